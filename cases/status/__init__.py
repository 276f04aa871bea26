"""Parcel status, one module per job; import from the module that does the job.

- `rules`: the statuses (code, labels, colour) as one registry, and the precedence that picks one;
- `clock`: dates as people write them, and the as-of instant of a query;
- `queries`: the SQL that works out each parcel's summary, in the form each backend runs fastest;
- `summaries`: the stored summaries of the present, kept current by every write;
- `derive`: status rows as of any instant, and the figures a report or map counts from them;
- `street_page`: one page of a street's parcels with today's status (the web map);
- `export_rows`: the rows and columns of the status export.
"""
