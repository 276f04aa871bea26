"""The demo's site inspections, 2022-03-17 to 2022-10-25, as the report tells the story.

The visits are written as field records (a CSV like an inspector's phone
exports) and loaded through `cases.inspect_import`, so every figure of the
report — 97 guard huts rectified in 前进 of which 58 demolished, 25 sheds
demolished and 23 tool houses rebuilt in 龙洞, 长湴 overdue — is derived
from them by the status rules, never typed in.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cases.rules import FINDING_NAMES

QJ, LD, FH = "JBNT-440106020-", "JBNT-440106018-", "JBNT-440106019-"
FOREST = "SLDC-2021-440106022-"
SHISHILONG, LONGDONG_272, HUAKUAI, YANGMEILING = (
    "WFYD-440106017-01", "WFYD-440106018-01", "WFYD-440106018-02", "WFYD-440106019-01")
STORAGE, TEMPORARY = "CBTD-440106017-01", "LSYD-440106019-01"


@dataclass(frozen=True)
class Visit:
    """One site inspection: parcel, local time (+08:00), who, what was found, a note."""

    code: str
    at: str
    inspector: str
    note: str
    findings: dict[str, Any] = field(default_factory=dict)


def _v(code: str, at: str, inspector: str, note: str, **findings: Any) -> Visit:
    return Visit(code, f"{at}:00+08:00", inspector, note, findings)


def _guard_huts() -> list[Visit]:
    """前进街 珠村: 97 huts found; 58 non-standard ones demolished, the other 39 brought to standard."""
    who, joint = "前进街道巡查员", "区农业农村局、前进街道联合检查组"
    visits = []
    # (parcel, huts found, hardened m², first and second demolition); 24+20+14 = 58 of 40+33+24 = 97.
    for n, (huts, hardened, first, second) in enumerate(((40, 2600, 14, 10), (33, 1900, 12, 8),
                                                          (24, 1100, 9, 5)), start=1):
        code = f"{QJ}0{n}"
        visits += [
            _v(code, f"2022-03-{16 + n}T09:30", who, "例行巡查:农田内搭建窝棚",
               sheds_count=huts - 6, sheds_area_m2=(huts - 6) * 18.0, hardened_m2=hardened * 0.8),
            _v(code, f"2022-04-1{n}T10:00", "巡察组实地走访(前进街道陪同)",
               "搭建多个窝棚,部分面积大并将地块硬底化,个别用作私人活动场所",
               sheds_count=huts, sheds_area_m2=huts * 18.0, hardened_m2=hardened, clothes_drying=n == 1),
            _v(code, f"2022-07-0{4 + n}T09:00", joint, "实地摸清窝棚情况,传达整改要求",
               sheds_count=huts, sheds_area_m2=huts * 18.0, hardened_m2=hardened),
            _v(code, f"2022-08-1{n}T15:00", who, f"拆除不符合标准看护房{first}间",
               sheds_count=huts - first, sheds_area_m2=(huts - first) * 14.0, hardened_m2=hardened / 2,
               demolished_count=first),
            _v(code, f"2022-09-1{4 + n}T10:30", who,
               f"拆除不符合标准看护房{second}间,其余{huts - first - second}间看护房已按标准整改,"
               "硬底化已清除", demolished_count=second),
            _v(code, f"2022-10-1{n}T09:30", who, "常态化巡查:看护房符合标准,未见新增窝棚"),
        ]
    return visits


def _sheds_longdong() -> list[Visit]:
    """龙洞街 龙洞村: 25 sheds demolished, hardened ground and debris cleared, 23 tool houses rebuilt."""
    who, joint = "龙洞街道巡查员", "区农业农村局、龙洞街道联合检查组"
    visits = []
    for n, (sheds, hardened, rebuilt, abandoned) in enumerate(((11, 1500, 10, 0), (8, 900, 7, 0),
                                                               (6, 600, 6, 6000)), start=1):
        code = f"{LD}0{n}"
        visits += [
            _v(code, f"2022-04-1{n}T14:30", "巡察组实地走访(龙洞街道陪同)",
               "窝棚占地面积较大且将地块硬底化,棚内外乱堆放杂物、晾衣服" +
               (";个别地块撂荒" if abandoned else ""),
               sheds_count=sheds, sheds_area_m2=sheds * 22.0, hardened_m2=hardened, debris=True,
               clothes_drying=True, abandoned_m2=abandoned),
            _v(code, f"2022-07-0{5 + n}T09:30", joint, "实地摸清窝棚情况,传达整改要求",
               sheds_count=sheds, sheds_area_m2=sheds * 22.0, hardened_m2=hardened, debris=True,
               abandoned_m2=abandoned),
            _v(code, f"2022-08-{17 + n}T10:00", who, f"拆除窝棚{sheds}间,正在清理硬化地面和建筑垃圾",
               demolished_count=sheds, hardened_m2=hardened / 3, debris=True, abandoned_m2=abandoned),
            _v(code, f"2022-09-0{5 + n}T15:30", who,
               f"已清除硬化地面、建筑垃圾和杂物,按标准重建农具房{rebuilt}间" +
               (",撂荒地块已补苗复耕" if abandoned else ""),
               rebuilt_count=rebuilt, replanted_m2=abandoned),
            _v(code, f"2022-10-1{n}T10:00", who, "常态化巡查:农田及周边环境整洁,未见新增窝棚"),
        ]
    return visits


def _fenghuang() -> list[Visit]:
    """凤凰街: 自然课堂 partly removed, hardened ground cleared; 金鸡 plot still in progress."""
    who, team = "凤凰街道巡查员", "巡察组实地走访(凤凰街道陪同)"
    return [
        _v(f"{FH}01", "2022-04-13T10:00", team, "红线内残留历史“自然课堂”设施,搭建窝棚并硬底化",
           sheds_count=6, sheds_area_m2=260.0, hardened_m2=1800.0, debris=True),
        _v(f"{FH}01", "2022-08-25T09:30", who, "已拆除“自然课堂”部分设施,清除硬底,种植农作物",
           sheds_count=2, sheds_area_m2=90.0, demolished_count=4, replanted_m2=2500.0),
        _v(f"{FH}01", "2022-10-20T10:00", who, "再拆除设施1处,余1处待清理",
           sheds_count=1, sheds_area_m2=40.0, demolished_count=1, replanted_m2=2800.0),
        _v(f"{FH}02", "2022-04-13T11:30", team, "红线范围内搭建窝棚", sheds_count=3,
           sheds_area_m2=75.0, hardened_m2=300.0),
        _v(f"{FH}02", "2022-09-02T15:00", who, "窝棚已拆除,硬底已清除", demolished_count=3),
        _v(f"{FH}02", "2022-10-20T11:00", who, "常态化巡查:未见新增窝棚"),
        _v(f"{FH}03", "2022-04-13T15:00", team,
           "窝棚占地面积大且将地块硬底化,窝棚旁停有小汽车、晾晒衣服多,作为生活居所迹象明显",
           sheds_count=7, sheds_area_m2=420.0, hardened_m2=1200.0, cars_parked=True, clothes_drying=True),
        _v(f"{FH}03", "2022-09-06T10:00", who, "拆除窝棚2间;涉及外来种植户,街道加强承租户管理",
           sheds_count=5, sheds_area_m2=300.0, hardened_m2=800.0, demolished_count=2,
           clothes_drying=True),
        _v(f"{FH}03", "2022-10-21T10:00", who, "金鸡地块整改推进中,部分硬底已清除",
           sheds_count=5, sheds_area_m2=300.0, hardened_m2=600.0),
        _v(f"{FH}04", "2022-04-14T09:30", team, "搭建窝棚并硬底化", sheds_count=4, sheds_area_m2=120.0,
           hardened_m2=400.0),
        _v(f"{FH}04", "2022-09-08T09:30", who, "窝棚已拆除,硬底已清除,已种植农作物",
           demolished_count=4, replanted_m2=400.0),
        _v(f"{FH}04", "2022-10-21T14:30", who, "常态化巡查:未见新增窝棚"),
    ]


def _quiet_farmland() -> list[Visit]:
    """五山 and 新塘 farmland: patrolled, nothing wrong."""
    visits = []
    for code, who in (("JBNT-440106001-01", "五山街道巡查员"), ("JBNT-440106001-02", "五山街道巡查员"),
                      ("JBNT-440106022-01", "新塘街道巡查员"), ("JBNT-440106022-02", "新塘街道巡查员")):
        visits += [_v(code, "2022-04-20T10:00", who, "例行巡查:耕种正常"),
                   _v(code, "2022-07-19T10:00", who, "例行巡查:耕种正常"),
                   _v(code, "2022-10-18T10:00", who, "例行巡查:耕种正常")]
    return visits


def _chanchugang() -> list[Visit]:
    """蟾蜍岗: hardened ground, debris, 2 excavators and a truck; cleared, then replanted."""
    lingtang, xintang, mubei = (f"{FOREST}0{n}" for n in (1, 2, 3))
    team, staff, who = "巡察组实地走访(新塘街道陪同)", "分局林业工作人员", "新塘街道巡查员"
    return [
        _v(lingtang, "2022-04-20T15:00", team, "地块硬底化,堆放建筑垃圾,停放两台挖掘机和一辆运输车",
           hardened_m2=3500.0, debris=True, machinery_count=2, vehicles_count=1),
        _v(xintang, "2022-04-20T15:40", team, "地块硬底化,堆放建筑垃圾", hardened_m2=1200.0, debris=True),
        _v(mubei, "2022-04-20T16:10", team, "堆放建筑垃圾", debris=True),
        _v(lingtang, "2022-05-18T10:00", staff, "督促街村整改;现场仍有机械",
           hardened_m2=3500.0, debris=True, machinery_count=2, vehicles_count=1),
        _v(lingtang, "2022-07-22T10:00", staff,
           "凌塘村已解除承租合同;建筑垃圾、挖掘机、运输车已清理,出入口设大门",
           hardened_m2=3500.0),
        _v(xintang, "2022-07-22T10:40", staff, "建筑垃圾已清理", hardened_m2=1200.0),
        _v(mubei, "2022-07-22T11:10", staff, "建筑垃圾已清理"),
        _v(lingtang, "2022-09-16T09:30", who, "已平整场地、覆土并按标准种植乔木", replanted_m2=8000.0),
        _v(xintang, "2022-09-16T10:10", who, "已平整场地、覆土并按标准种植乔木", replanted_m2=6000.0),
        _v(mubei, "2022-09-16T10:40", who, "已按标准种植乔木", replanted_m2=4800.0),
        *(_v(code, "2022-10-14T10:00", staff, "跟进新种植树木生长情况,长势良好")
          for code in (lingtang, xintang, mubei)),
    ]


def _storage_plot() -> list[Visit]:
    """长湴三鸟市场: stockpiles and tyre tracks on 4-27, cleared 6-27, then monthly patrols — one missed."""
    centre, street = "天河区土地开发中心巡查人员", "长兴街道看管人员"
    return [
        _v(STORAGE, "2022-04-27T15:30", "巡察组实地走访(土发中心陪同)",
           "现场堆放大量碎石、石粉、沙子;前日暴雨,车辙非常明显,当天上午仍有车辆进出作业", debris=True),
        _v(STORAGE, "2022-06-27T10:00", centre, "堆放物已清理,场地恢复原状;要求长兴街道加强看管"),
        _v(STORAGE, "2022-07-22T09:30", centre, "月度巡查:围蔽完好,无堆放"),
        _v(STORAGE, "2022-08-19T09:30", street, "月度巡查:围蔽完好,无堆放"),
        _v(STORAGE, "2022-09-08T09:30", centre, "中秋节前巡查:围蔽完好,无堆放"),
        # The patrol before National Day and October's monthly patrol were missed: overdue on 10-25.
    ]


def _illegal_land() -> list[Visit]:
    """罚没 plots: 石狮陇 with ≈150 m² of sheds left; three plots still occupied until 2022-08/09."""
    team, longdong, fenghuang = "巡察组抽查走访", "龙洞街道巡查员", "凤凰街道巡查员"
    return [
        _v(SHISHILONG, "2022-04-26T10:00", team, "违法占地已整改但未完全拆除地上违建物,涉及约150平方米",
           sheds_count=1, sheds_area_m2=150.0),
        _v(SHISHILONG, "2022-09-20T10:00", "长兴街道巡查员",
           "违法建筑物已拆除,现场存留约150平方米棚房堆放农具", sheds_count=1, sheds_area_m2=150.0),
        _v(LONGDONG_272, "2022-04-26T14:30", team,
           "违法用地及地上建筑物仍由违法主体继续使用,未经农村集体交易平台公开招租",
           hardened_m2=2200.0, vehicles_count=3),
        _v(LONGDONG_272, "2022-08-23T10:00", longdong, "地上建筑物已拆除,正在清运建筑垃圾", debris=True),
        _v(LONGDONG_272, "2022-09-21T10:00", longdong, "建筑垃圾已清运,场地已平整"),
        _v(HUAKUAI, "2022-04-26T15:30", team, "违法占地状态未消除,仍由违法主体继续使用",
           hardened_m2=1700.0, vehicles_count=2),
        _v(HUAKUAI, "2022-09-22T10:00", longdong, "街道已对地上建筑物部分进行拆除处理",
           hardened_m2=900.0, debris=True),
        _v(YANGMEILING, "2022-04-26T16:30", team, "违法建筑招租手续存疑,仍由违法主体继续使用",
           hardened_m2=800.0, vehicles_count=2),
        _v(YANGMEILING, "2022-09-23T10:00", fenghuang, "街道已对违法用地上建筑物查封", hardened_m2=800.0),
    ]


def _temporary_land() -> list[Visit]:
    """柯木塱南路35号: new saplings, tyre tracks, compacted soil; reclamation basically done."""
    who = "凤凰街道巡查员"
    return [
        _v(TEMPORARY, "2022-04-28T10:00", "巡察组实地走访(凤凰街道陪同)",
           "苗木新种迹象非常明显,涉嫌应付检查而抢种;车辙明显,土质结块严重", hardened_m2=3000.0),
        _v(TEMPORARY, "2022-06-15T10:00", who, "已规范周边停车,业主单位省良种场补苗复耕",
           hardened_m2=2000.0, replanted_m2=4000.0),
        _v(TEMPORARY, "2022-09-14T10:00", who, "补苗复耕推进中", hardened_m2=500.0, replanted_m2=9000.0),
        _v(TEMPORARY, "2022-10-19T10:00", who, "复垦基本完成,少量结块土地待翻耕",
           hardened_m2=300.0, replanted_m2=10500.0),
    ]


def visits() -> list[Visit]:
    """Every demo inspection, in time order."""
    everything = [*_guard_huts(), *_sheds_longdong(), *_fenghuang(), *_quiet_farmland(),
                  *_chanchugang(), *_storage_plot(), *_illegal_land(), *_temporary_land()]
    return sorted(everything, key=lambda v: (v.at, v.code))


def write_inspections(path: Path, points: dict[str, tuple[float, float]]) -> int:
    """Write the visits as a field-record CSV (GPS at each parcel); returns the row count."""
    rows = visits()
    header = ["client_id", "parcel_code", "inspected_at", "inspector", "lon", "lat", *FINDING_NAMES,
              "note"]
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for number, visit in enumerate(rows, start=1):
            lon, lat = points[visit.code]
            findings = [_cell(visit.findings.get(name, "")) for name in FINDING_NAMES]
            writer.writerow([f"demo-{number:04d}", visit.code, visit.at, visit.inspector, lon, lat,
                             *findings, visit.note])
    return len(rows)


def _cell(value: Any) -> str:
    """Findings as the field CSV writes them: yes/no for flags, plain numbers otherwise."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)
