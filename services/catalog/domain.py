"""The county's fund departments (资金主管单位) and the units a standard may be expressed in."""

DEPARTMENTS: dict[str, str] = {
    "NMKJ": "农牧和科技局",
    "MZ": "民政局",
    "RS": "人社局",
    "CL": "残联",
    "XCZX": "乡村振兴局",
    "ZJ": "住建局",
    "ZRZY": "自然资源局",
    "WJ": "卫健局",
    "STHJ": "生态环境局",
    "YJGL": "应急管理局",
    "TYJR": "退役军人事务局",
    "JY": "教育局",
}

UNITS: dict[str, str] = {"person": "人", "mu": "亩", "head": "头(只)", "household": "户"}
