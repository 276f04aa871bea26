"""One router per resource: pages and `/api` JSON side by side."""
