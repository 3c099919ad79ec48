"""The functions issue 15 added for Excel's breadth (database, LAMBDA helpers, accrued interest,
French depreciation, error functions, bitwise ...): each case is an example of Microsoft's
documentation of the function with the result it shows (rounded as shown), an error its remarks
name, or a value worked out from the function's definition over the same data. One workbook,
written with XlsxWriter (data sheets beside the cases), recalculated once."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest
import xlsxwriter

from kpisheet.excel.recalc import recalc
from kpisheet.excel.recalc.book import load
from kpisheet.excel.recalc.values import Err

E = Err.parse


def assert_excel_value(formula: str, got: Any, expected: Any) -> None:
    """Numbers to 12 significant digits (Excel shows 15), anything else exactly."""
    if isinstance(expected, float) and isinstance(got, float):
        assert math.isclose(got, expected, rel_tol=1e-12, abs_tol=1e-12), (formula, got)
    else:
        assert got == expected or got is expected, (formula, got)


# The orchard of the database functions' documentation (DGET's criteria): criteria in A1:F3,
# the database in A4:E10.
TREES = [
    ["Tree", "Height", "Age", "Yield", "Profit", "Height", "Big"],
    ["=Apple", ">10", None, None, None, "<16", ">1"],
    ["Pear", ">12"],
    ["Tree", "Height", "Age", "Yield", "Profit"],
    ["Apple", 18, 20, 14, 105],
    ["Pear", 12, 12, 10, 96],
    ["Cherry", 13, 14, 9, 105],
    ["Apple", 14, 15, 10, 75],
    ["Pear", 9, 8, 8, 76.8],
    ["Apple", 8, 9, 6, 45],
]
DB = "T!A4:E10"
DATABASE: list[tuple[str, Any]] = [
    (f'=DGET({DB},"Yield",T!A1:A3)', E("#NUM!")),  # more than one record (any apple or pear tree)
    (f'=DGET({DB},"Yield",T!A1:F3)', 10.0),  # the only apple between 10 and 16 high, no pear over 12
    (f'=DGET({DB},"Yield",T!A1:B2)', E("#NUM!")), (f'=DGET({DB},"Age",T!B1:B2)', E("#NUM!")),
    (f'=DCOUNT({DB},"Age",T!A1:F2)', 1.0), (f'=DCOUNTA({DB},"Profit",T!A1:F2)', 1.0),
    (f'=DMAX({DB},"Profit",T!A1:A3)', 105.0), (f'=DMIN({DB},"Profit",T!A1:B2)', 75.0),
    (f'=DSUM({DB},"Profit",T!A1:A2)', 225.0), (f'=DSUM({DB},"Profit",T!A1:F2)', 75.0),
    (f'=DPRODUCT({DB},"Yield",T!A1:F2)', 10.0), (f'=DPRODUCT({DB},"Yield",T!A1:A2)', 840.0),
    (f'=DAVERAGE({DB},"Yield",T!A1:B2)', 12.0), (f"=DAVERAGE({DB},3,{DB})", 13.0),
    (f'=ROUND(DSTDEV({DB},"Yield",T!A1:A3),2)', 2.97), (f'=ROUND(DSTDEVP({DB},"Yield",T!A1:A3),2)', 2.65),
    (f'=ROUND(DVAR({DB},"Yield",T!A1:A3),6)', 8.8), (f'=ROUND(DVARP({DB},"Yield",T!A1:A3),6)', 7.04),
    (f"=DCOUNT({DB},,T!A1:A2)", 3.0), (f'=DCOUNTA({DB},"tree",T!A1:A3)', 5.0),
    (f'=DCOUNT({DB},"Nope",T!A1:A2)', E("#VALUE!")), (f"=DSUM({DB},6,T!A1:A2)", E("#VALUE!")),
    (f'=DGET({DB},"Yield",T!A1:A1)', E("#VALUE!")),
    (f'=DSUM({DB},"Profit",T!G1:G2)', E("#VALUE!")),  # a computed criterion is not read: an error, not a guess
    (f'=DGET({DB},"Yield",T!C1:C2)', E("#NUM!")),  # a blank criteria row matches every record
    (f'=DAVERAGE({DB},"Yield",T!A1:F1)', E("#VALUE!")),
]

# The LAMBDA helpers' documented examples read 1..6 in L!A1:C2 (and the letters a..f in L!A4:C5).
LAM = "_xlfn.LAMBDA"
LAMBDAS: list[tuple[str, Any]] = [
    (f'=_xlfn.TEXTJOIN(",",,_xlfn.BYROW(L!A1:C2,{LAM}(_xlpm.array,MAX(_xlpm.array))))', "3,6"),
    (f'=_xlfn.TEXTJOIN(",",,_xlfn.BYROW(L!A1:C2,{LAM}(_xlpm.array,SUMSQ(_xlpm.array))))', "14,77"),
    (f'=ROWS(_xlfn.BYROW(L!A1:C2,{LAM}(_xlpm.r,SUM(_xlpm.r))))', 2.0),
    (f'=_xlfn.TEXTJOIN(",",,_xlfn.BYCOL(L!A1:C2,{LAM}(_xlpm.array,MAX(_xlpm.array))))', "4,5,6"),
    (f'=_xlfn.TEXTJOIN(",",,_xlfn.BYCOL(L!A1:C2,{LAM}(_xlpm.array,SUMSQ(_xlpm.array))))', "17,29,45"),
    (f'=_xlfn.TEXTJOIN(",",,_xlfn.BYCOL({{1,2;3,4}},{LAM}(_xlpm.c,SUM(_xlpm.c))))', "4,6"),
    (f'=INDEX(_xlfn.BYROW(L!A1:C2,{LAM}(_xlpm.r,_xlpm.r*2)),1)', E("#CALC!")),  # one value a row, not an array
    (f"=_xlfn.BYROW(L!A1:C2,{LAM}(_xlpm.a,_xlpm.b,1))", E("#VALUE!")), ("=_xlfn.BYROW(L!A1:C2,1)", E("#VALUE!")),
    (f'=_xlfn.TEXTJOIN(",",,_xlfn.MAP(L!A1:C2,{LAM}(_xlpm.a,IF(_xlpm.a>4,_xlpm.a*_xlpm.a,_xlpm.a))))',
     "1,2,3,4,25,36"),
    (f'=_xlfn.TEXTJOIN(",",,_xlfn.MAP(L!A1:C2,L!A4:C5,{LAM}(_xlpm.n,_xlpm.t,_xlpm.t&_xlpm.n)))', "a1,b2,c3,d4,e5,f6"),
    (f"=_xlfn.REDUCE(,L!A1:C2,{LAM}(_xlpm.a,_xlpm.b,_xlpm.a+_xlpm.b^2))", 91.0),
    (f'=_xlfn.REDUCE(1,L!A1:C2,{LAM}(_xlpm.a,_xlpm.b,_xlpm.a*_xlpm.b))', 720.0),
    (f'=ROWS(_xlfn.REDUCE(0,L!A1:C2,{LAM}(_xlpm.a,_xlpm.b,_xlfn.VSTACK(_xlpm.a,_xlpm.b))))', 7.0),
    (f'=_xlfn.TEXTJOIN(",",,_xlfn.SCAN("",L!A4:C5,{LAM}(_xlpm.a,_xlpm.b,_xlpm.a&_xlpm.b)))',
     "a,ab,abc,abcd,abcde,abcdef"),
    (f'=_xlfn.TEXTJOIN(",",,_xlfn.SCAN(1,L!A1:C2,{LAM}(_xlpm.a,_xlpm.b,_xlpm.a*_xlpm.b)))', "1,2,6,24,120,720"),
    (f'=ROWS(_xlfn.SCAN(1,L!A1:C2,{LAM}(_xlpm.a,_xlpm.b,_xlpm.a*_xlpm.b)))', 2.0),
    (f'=_xlfn.TEXTJOIN(",",,_xlfn.MAKEARRAY(3,3,{LAM}(_xlpm.r,_xlpm.c,_xlpm.r*_xlpm.c)))', "1,2,3,2,4,6,3,6,9"),
    (f"=_xlfn.MAKEARRAY(0,3,{LAM}(_xlpm.r,_xlpm.c,1))", E("#VALUE!")),
    (f'={LAM}(_xlpm.x,_xlpm.y,IF(_xlfn.ISOMITTED(_xlpm.y),"Missing second argument",_xlpm.x+_xlpm.y))(1,)',
     "Missing second argument"),
    (f'={LAM}(_xlpm.x,_xlpm.y,IF(_xlfn.ISOMITTED(_xlpm.y),"Missing second argument",_xlpm.x+_xlpm.y))(1,2)', 3.0),
    (f"={LAM}(_xlpm.x,_xlpm.y,_xlfn.ISOMITTED(_xlpm.y))(1,L!F9)", False),  # a blank cell is not an omission
    (f"=SUM(_xlfn.LET(_xlpm.f,{LAM}(_xlpm.x,_xlpm.x*2),_xlfn.MAP(L!A1:C1,_xlpm.f)))", 12.0),  # LET-bound
    (f"=SUM(_xlfn.LET(_xlpm.k,10,_xlfn.MAP(L!A1:C1,{LAM}(_xlpm.x,_xlpm.x*_xlpm.k))))", 60.0),  # reads LET's k
    (f"=_xlfn.REDUCE(0,L!A1:C2,{LAM}(_xlpm.a,_xlpm.b,_xlpm.a+SUM(_xlfn.BYROW(L!A1:C2,{LAM}(_xlpm.r,_xlpm.b)))))",
     42.0),  # a helper inside a helper's LAMBDA
    # a function named in place of a LAMBDA (Excel writes _xleta.)
    ('=_xlfn.TEXTJOIN(",",,_xlfn.BYROW(L!A1:C2,_xleta.SUM))', "6,15"),
    ('=_xlfn.TEXTJOIN(",",,_xlfn.BYCOL(L!A1:C2,_xleta.MAX))', "4,5,6"),
    ("=_xlfn.REDUCE(0,L!A1:C2,_xleta.SUM)", 21.0), ("=SUM(_xlfn.MAKEARRAY(2,2,_xleta.PRODUCT))", 9.0),
    ('=_xlfn.TEXTJOIN(",",,_xlfn.MAP({-1,2},_xleta.ABS))', "1,2"), ("=_xlfn.MAP({-1,2},_xleta.MOD)", E("#VALUE!")),
]

ACCRUED: list[tuple[str, Any]] = [
    # ACCRINT's example: issued 1 March 2008, first interest 31 August 2008, settled 1 May 2008
    ("=ROUND(ACCRINT(39508,39691,39569,0.1,1000,2,0),9)", 16.666666667),
    ("=ROUND(ACCRINT(DATE(2008,3,5),39691,39569,0.1,1000,2,0,FALSE),9)", 15.555555556),
    ("=ROUND(ACCRINT(DATE(2008,4,5),39691,39569,0.1,1000,2,0,TRUE),7)", 7.2222222),
    ("=ACCRINT(DATE(2008,2,29),DATE(2008,8,31),DATE(2008,8,31),0.1,1000,2,0)", 50.0),  # one whole coupon
    ("=ACCRINT(DATE(2020,1,1),DATE(2020,7,1),DATE(2021,1,1),0.1,1000,2,1)", 100.0),  # a whole year
    ("=ACCRINT(DATE(2020,1,1),DATE(2020,7,1),DATE(2021,1,1),0.1,1000,2,1,FALSE)", E("#N/A")),  # not settled
    ("=ACCRINT(39569,39691,39508,0.1,1000,2,0)", E("#NUM!")), ("=ACCRINT(39508,39691,39569,0.1,1000,3,0)", E("#NUM!")),
    ("=ACCRINT(39508,39691,39569,0,1000,2,0)", E("#NUM!")),
    # AMORLINC's and AMORDEGRC's example: 2400 bought 19 August 2008, first period to 31 December
    ("=ROUND(AMORLINC(2400,39679,39813,300,1,0.15,1),6)", 360.0),
    ("=AMORDEGRC(2400,39679,39813,300,1,0.15,1)", 776.0),
    ("=AMORDEGRC(2400,39679,39813,300,1,0.45,1)", E("#NUM!")),  # a life of 2.2 years has no coefficient
]

ODD_PERIODS: list[tuple[str, Any]] = [  # the examples of the four functions' pages
    ("=ROUND(ODDFPRICE(DATE(2008,11,11),DATE(2021,3,1),DATE(2008,10,15),DATE(2009,3,1),0.0785,0.0625,100,2,1),9)",
     113.597717474),
    ("=ROUND(ODDFYIELD(DATE(2008,11,11),DATE(2021,3,1),DATE(2008,10,15),DATE(2009,3,1),0.0575,84.5,100,2,0),4)",
     0.0772),
    ("=ROUND(ODDLPRICE(DATE(2008,2,7),DATE(2008,6,15),DATE(2007,10,15),0.0375,0.0405,100,2,0),10)", 99.8782860147),
    ("=ROUND(ODDLYIELD(DATE(2008,4,20),DATE(2008,6,15),DATE(2007,12,24),0.0375,99.875,100,2,0),5)", 0.04519),
    # a yield solved from a price gives the price back
    ("=ROUND(ODDFPRICE(DATE(2008,11,11),DATE(2021,3,1),DATE(2008,10,15),DATE(2009,3,1),0.0575,"
     "ODDFYIELD(DATE(2008,11,11),DATE(2021,3,1),DATE(2008,10,15),DATE(2009,3,1),0.0575,84.5,100,2,0),100,2,0),9)", 84.5),
    ("=ROUND(ODDLPRICE(DATE(2008,4,20),DATE(2008,6,15),DATE(2007,12,24),0.0375,"
     "ODDLYIELD(DATE(2008,4,20),DATE(2008,6,15),DATE(2007,12,24),0.0375,99.875,100,2,0),100,2,0),9)", 99.875),
    ("=ODDFPRICE(DATE(2009,3,2),DATE(2021,3,1),DATE(2008,10,15),DATE(2009,3,1),0.0785,0.0625,100,2,1)", E("#NUM!")),
    ("=ODDLPRICE(DATE(2007,10,1),DATE(2008,6,15),DATE(2007,10,15),0.0375,0.0405,100,2,0)", E("#NUM!")),
    ("=ODDLPRICE(DATE(2008,2,7),DATE(2008,6,15),DATE(2007,10,15),0.0375,0.0405,100,3,0)", E("#NUM!")),
]

ERRORS_AND_BITS: list[tuple[str, Any]] = [
    ("=ROUND(ERF(0.745),8)", 0.70792892), ("=ROUND(ERF(1),8)", 0.84270079), ("=ERF(0,1)-ERF(1)", 0.0),
    ("=ROUND(_xlfn.ERF.PRECISE(0.745),8)", 0.70792892), ("=ROUND(_xlfn.ERF.PRECISE(1),8)", 0.84270079),
    ("=ROUND(ERFC(1),8)", 0.15729921), ("=ROUND(_xlfn.ERFC.PRECISE(1),8)", 0.15729921),
    ("=_xlfn.BITAND(1,5)", 1.0), ("=_xlfn.BITAND(13,25)", 9.0), ("=_xlfn.BITOR(23,10)", 31.0),
    ("=_xlfn.BITXOR(5,3)", 6.0), ("=_xlfn.BITLSHIFT(4,2)", 16.0), ("=_xlfn.BITRSHIFT(13,2)", 3.0),
    ("=_xlfn.BITLSHIFT(4,-2)", 1.0), ("=_xlfn.BITAND(1.5,1)", E("#NUM!")), ("=_xlfn.BITOR(-1,1)", E("#NUM!")),
    ("=_xlfn.BITAND(2^48,1)", E("#NUM!")), ("=_xlfn.BITLSHIFT(1,54)", E("#NUM!")), ("=_xlfn.BITXOR(TRUE,1)", E("#VALUE!")),
    ("=ROUND(_xlfn.BINOM.DIST.RANGE(60,0.75,48),3)", 0.084), ("=ROUND(_xlfn.BINOM.DIST.RANGE(60,0.75,45,50),3)", 0.524),
    ("=_xlfn.BINOM.DIST.RANGE(60,0.75,50,45)", E("#NUM!")),
    ("=ROUND(HYPGEOMDIST(1,4,8,20),6)", 0.363261), ("=ROUND(NEGBINOMDIST(10,5,0.25),8)", 0.05504866),
]

INFORMATION: list[tuple[str, Any]] = [
    ("=_xlfn.FORMULATEXT(F!A1)", "=TODAY()"), ("=_xlfn.FORMULATEXT(F!A2)", "=SUM(L!A1:C2)*2"),
    ("=_xlfn.FORMULATEXT(F!A3)", "=TEXTJOIN(\",\",TRUE,L!A4:C5)"),  # without the file's _xlfn. prefix
    ("=_xlfn.FORMULATEXT(F!A4)", "{=SUM(L!A1:C1*L!A2:C2)}"), ("=_xlfn.FORMULATEXT(F!B7)", "{=L!A1:B2*10}"), ("=_xlfn.FORMULATEXT(F!A5)", E("#N/A")),
    ("=_xlfn.FORMULATEXT(F!A1:A2)", "=TODAY()"), ("=_xlfn.FORMULATEXT(F!A9)", E("#N/A")),
    ('=CELL("row",L!A20)', 20.0), ('=CELL("col",L!D5)', 4.0), ('=CELL("contents",L!B1)', 2.0),
    ('=CELL("contents",L!B4)', "b"), ('=CELL("type",L!B1)', "v"), ('=CELL("type",L!B4)', "l"),
    ('=CELL("type",L!Z99)', "b"), ('=CELL("address",L!B4)', "[cases.xlsx]L!$B$4"), ('=CELL("address",A1)', "$A$1"),
    ('=MID(CELL("filename",L!A1),FIND("]",CELL("filename",L!A1))+1,31)', "L"),
    ('=RIGHT(CELL("filename"),7)', "x]Cases"), ('=CELL("width",L!A1)', E("#N/A")), ('=CELL("nonsense",L!A1)', E("#VALUE!")),
    ('=INFO("numfile")', 6.0), ('=INFO("recalc")', "Automatic"), ('=RIGHT(INFO("directory"),1)', "/"),
    ('=INFO("release")', E("#N/A")), ('=INFO("x")', E("#VALUE!")),
]

# A pivot table on sheet P as Excel saves one (the definition and cache parts are added to the
# file below): Sum of Sales by Region and Product (rows, compact, subtotals on top) and Quarter
# (columns), filtered on Year 2025 (page field in A1:B1); its body in A3:D11.
PIVOT_CELLS = [
    ["Year", 2025], [], ["Sum of Sales", "Column Labels"], ["Row Labels", "Q1", "Q2", "Grand Total"],
    ["East", 15, 20, 35], ["Apples", 10, 20, 30], ["Pears", 5, None, 5],
    ["West", 8, 10, 18], ["Apples", 7, 8, 15], ["Pears", 1, 2, 3], ["Grand Total", 23, 30, 53],
]
GPD = "GETPIVOTDATA"
PIVOT: list[tuple[str, Any]] = [
    (f'={GPD}("Sales",P!A3)', 53.0), (f'={GPD}("Sum of Sales",P!C7)', 53.0), (f'={GPD}("sales",P!A1)', 53.0),
    (f'={GPD}("Sales",P!A3,"Region","East")', 35.0), (f'={GPD}("Sales",P!A3,"region","west","Product","Pears")', 3.0),
    (f'={GPD}("Sales",P!A3,"Region","East","Product","Apples","Quarter","Q2")', 20.0),
    (f'={GPD}("Sales",P!A3,"Quarter","Q1")', 23.0), (f'={GPD}("Sales",P!A3,"Quarter","Q2","Region","West")', 10.0),
    (f'={GPD}("Sales",P!A3,"Year",2025)', 53.0), (f'={GPD}("Sales",P!A3,"Year",2024)', E("#REF!")),
    (f'={GPD}("Sales",P!A3,"Product","Apples")', E("#REF!")),  # no row shows Apples across regions
    (f'={GPD}("Sales",P!A3,"Region","East","Product","Pears","Quarter","Q2")', E("#REF!")),  # an empty cell
    (f'={GPD}("Sales",P!A3,"Region","North")', E("#REF!")), (f'={GPD}("Profit",P!A3)', E("#REF!")),
    (f'={GPD}("Sales",P!F20)', E("#REF!")), (f'={GPD}("Sales",P!A3,"Region")', E("#REF!")),
    (f'={GPD}("Sales","P!A3")', E("#REF!")),
]

RECENT: list[tuple[str, Any]] = [
    ("=_xlfn.PERCENTOF({1,2},{1,2,3,4})", 0.3), ("=_xlfn.PERCENTOF(T!D5:D7,T!D5:D10)", 33 / 57),
    ("=_xlfn.PERCENTOF(1,0)", E("#DIV/0!")),
    ("=ROWS(_xlfn.TRIMRANGE(L!A1:E10))", 5.0), ("=COLUMNS(_xlfn.TRIMRANGE(L!A1:E10))", 3.0),
    ("=ROWS(_xlfn.TRIMRANGE(L!A1:E10,0))", 10.0), ("=COLUMNS(_xlfn.TRIMRANGE(L!A1:E10,3,2))", 3.0),
    ("=SUM(_xlfn.TRIMRANGE(L!A1:E10))", 21.0), ("=_xlfn.TRIMRANGE(L!H1:H5)", E("#REF!")),
    ('=_xlfn.REGEXTEST("Apple","^a")', False), ('=_xlfn.REGEXTEST("Apple","^a",1)', True),
    ('=_xlfn.REGEXTEST("Apple","[")', E("#VALUE!")),
    ('=_xlfn.REGEXEXTRACT("Order 123 and 456","\\d+")', "123"),
    ('=_xlfn.TEXTJOIN(",",,_xlfn.REGEXEXTRACT("Order 123 and 456","\\d+",1))', "123,456"),
    ('=ROWS(_xlfn.REGEXEXTRACT("Order 123 and 456","\\d+",1))', 2.0),
    ('=_xlfn.TEXTJOIN(",",,_xlfn.REGEXEXTRACT("mail sonia@contoso.com","(\\w+)@(\\w+)\\.com",2))', "sonia,contoso"),
    ('=_xlfn.REGEXEXTRACT("no digits","\\d")', E("#N/A")),
    ('=_xlfn.REGEXREPLACE("2024-01-15","(\\d+)-(\\d+)-(\\d+)","$3/$2/$1")', "15/01/2024"),
    ('=_xlfn.REGEXREPLACE("a1b2c3","\\d","#")', "a#b#c#"), ('=_xlfn.REGEXREPLACE("a1b2c3","\\d","#",2)', "a1b#c3"),
    ('=_xlfn.REGEXREPLACE("a1b2c3","\\d","#",-1)', "a1b2c#"), ('=_xlfn.REGEXREPLACE("ABC","b","x",,1)', "AxC"),
    ('=_xlfn.ENCODEURL("http://contoso.sharepoint.com/teams/Finance/Documents/April Reports/Profit and Loss '
     'Statement.xlsx")', "http%3A%2F%2Fcontoso.sharepoint.com%2Fteams%2FFinance%2FDocuments%2FApril%20Reports%2F"
     "Profit%20and%20Loss%20Statement.xlsx"),
]

COMPLEX_NUMBERS: list[tuple[str, Any]] = [
    ("=COMPLEX(3,4)", "3+4i"), ('=COMPLEX(3,4,"j")', "3+4j"), ("=COMPLEX(0,1)", "i"), ("=COMPLEX(1,0)", "1"),
    ('=COMPLEX(1,1,"k")', E("#VALUE!")), ('=IMABS("5+12i")', 13.0), ('=IMAGINARY("3+4i")', 4.0),
    ('=IMAGINARY("0-j")', -1.0), ("=IMAGINARY(4)", 0.0), ('=IMREAL("6-9i")', 6.0),
    ('=ROUND(IMARGUMENT("3+4i"),8)', 0.92729522), ('=IMCONJUGATE("3+4i")', "3-4i"),
    ('=IMCOS("1+i")', "0.833730025131149-0.988897705762865i"), ('=_xlfn.IMCOSH("4+3i")', "-27.0349456030742+3.85115333481178i"),
    ('=_xlfn.IMCOT("4+3i")', "0.00490118239430447-0.999266927805902i"),
    ('=_xlfn.IMCSC("4+3i")', "-0.0754898329158637+0.0648774713706355i"),
    ('=IMDIV("-238+240i","10+24i")', "5+12i"), ('=IMEXP("1+i")', "1.46869393991589+2.28735528717884i"),
    ('=IMLN("3+4i")', "1.6094379124341+0.927295218001612i"), ('=IMLOG10("3+4i")', "0.698970004336019+0.402719196273373i"),
    ('=IMLOG2("3+4i")', "2.32192809488736+1.33780421245098i"), ('=IMPOWER("2+3i",3)', "-46+9.00000000000001i"),
    ('=IMPRODUCT("3+4i","5-3i")', "27+11i"), ('=IMPRODUCT("1+2i",30)', "30+60i"),
    ('=_xlfn.IMSECH("4+3i")', "-0.0362534969158689-0.00516434460775318i"),
    ('=IMSIN("4+3i")', "-7.61923172032141-6.548120040911i"), ('=_xlfn.IMSINH("-4+3i")', "27.0168132580039+3.85373803791938i"),
    ('=IMSQRT("1+i")', "1.09868411346781+0.455089860562227i"), ('=IMSUB("13+4i","5+3i")', "8+i"),
    ('=IMSUM("3+4i","5-3i")', "8+i"), ('=_xlfn.IMTAN("4+3i")', "0.00490825806749606+1.00070953606723i"),
    ('=ROUND(IMREAL(_xlfn.IMSEC("4+3i")),12)', -0.065294027858), ('=ROUND(IMREAL(_xlfn.IMCSCH("4+3i")),12)', -0.036275889629),
    ('=IMDIV("1+i",0)', E("#NUM!")), ('=IMLN(0)', E("#NUM!")), ('=IMSUM("1+i","1+j")', E("#VALUE!")),
    ('=IMREAL("3+4x")', E("#NUM!")), ("=IMREAL(TRUE)", E("#VALUE!")), ('=IMSUM("-i","2.5E-1+1.5i")', "0.25+0.5i"),
]

BESSEL: list[tuple[str, Any]] = [
    ("=ROUND(BESSELJ(1.9,2),9)", 0.329925728), ("=ROUND(BESSELI(1.5,1),9)", 0.981666428),
    ("=ROUND(BESSELK(1.5,1),9)", 0.277387804),  # Excel's approximation: the true value is 0.2773878005
    ("=ROUND(BESSELY(2.5,1),9)", 0.145918138), ("=BESSELK(0,1)", E("#NUM!")), ("=BESSELJ(1,-1)", E("#NUM!")),
    ('=BESSELJ("x",1)', E("#VALUE!")), ("=BESSELJ(0,2)", 0.0), ("=BESSELI(0,0)", 1.0),
]

WIDTHS: list[tuple[str, Any]] = [
    ('=ASC("ＥＸＣＥＬ")', "EXCEL"), ('=_xlfn.JIS("EXCEL")', "ＥＸＣＥＬ"), ('=_xlfn.DBCS("EXCEL")', "ＥＸＣＥＬ"),
    ('=ASC("パソコン　１")', "ﾊﾟｿｺﾝ 1"), ('=_xlfn.JIS("ﾊﾟｿｺﾝ")', "パソコン"), ('=ASC("Excel")', "Excel"),
    ("=ASC(12.5)", "12.5"),
    ("=BAHTTEXT(1234)", "หนึ่งพันสองร้อยสามสิบสี่บาทถ้วน"), ("=BAHTTEXT(21)", "ยี่สิบเอ็ดบาทถ้วน"),
    ("=BAHTTEXT(101)", "หนึ่งร้อยเอ็ดบาทถ้วน"), ("=BAHTTEXT(0.5)", "ห้าสิบสตางค์"), ("=BAHTTEXT(0)", "ศูนย์บาทถ้วน"),
    ("=BAHTTEXT(21000000)", "ยี่สิบเอ็ดล้านบาทถ้วน"), ('=BAHTTEXT("x")', E("#VALUE!")),
]

TJ = '_xlfn.TEXTJOIN(",",TRUE,'
GROUPBY: list[tuple[str, Any]] = [  # the orchard's profit by tree
    (f"={TJ}_xlfn.GROUPBY(T!A5:A10,T!E5:E10,_xleta.SUM))", "Apple,225,Cherry,105,Pear,172.8,Total,502.8"),
    ("=ROWS(_xlfn.GROUPBY(T!A5:A10,T!E5:E10,_xleta.SUM))", 4.0),
    (f"={TJ}_xlfn.GROUPBY(T!A4:A10,T!E4:E10,_xleta.SUM))", "Apple,225,Cherry,105,Pear,172.8,Total,502.8"),
    (f"={TJ}_xlfn.GROUPBY(T!A4:A10,T!E4:E10,_xleta.SUM,3))", "Tree,Profit,Apple,225,Cherry,105,Pear,172.8,Total,502.8"),
    (f"={TJ}_xlfn.GROUPBY(T!A5:A10,T!E5:E10,_xleta.SUM,0,0))", "Apple,225,Cherry,105,Pear,172.8"),
    (f"={TJ}_xlfn.GROUPBY(T!A5:A10,T!E5:E10,_xleta.SUM,0,1,-2))", "Apple,225,Pear,172.8,Cherry,105,Total,502.8"),
    (f"={TJ}_xlfn.GROUPBY(T!A5:A10,T!E5:E10,_xleta.SUM,0,-1))", "Total,502.8,Apple,225,Cherry,105,Pear,172.8"),
    (f"={TJ}_xlfn.GROUPBY(T!A5:A10,T!E5:E10,_xleta.SUM,0,1,1,T!C5:C10>10))", "Apple,180,Cherry,105,Pear,96,Total,381"),
    (f"={TJ}_xlfn.GROUPBY(T!A5:A10,T!E5:E10,{LAM}(_xlpm.x,COUNT(_xlpm.x))))", "Apple,3,Cherry,1,Pear,2,Total,6"),
    (f"={TJ}_xlfn.GROUPBY(T!A5:B10,T!D5:D10,_xleta.SUM,0,0))",
     "Apple,8,6,Apple,14,10,Apple,18,14,Cherry,13,9,Pear,9,8,Pear,12,10"),
    ("=_xlfn.GROUPBY(T!A5:B10,T!D5:D10,_xleta.SUM,0,1)", E("#VALUE!")),
    ("=_xlfn.GROUPBY(T!A5:A11,T!E5:E11,_xleta.SUM)", E("#VALUE!")),  # a blank item
    ("=_xlfn.GROUPBY(T!A5:B10,T!D5:D10,_xleta.SUM)", E("#VALUE!")),  # subtotals are not laid out here
    ("=_xlfn.GROUPBY(T!A5:A10,T!E5:E10,_xleta.SUM,2)", E("#VALUE!")),
    ("=_xlfn.GROUPBY(T!A5:A10,T!E5:E9,_xleta.SUM)", E("#VALUE!")), ("=_xlfn.GROUPBY(T!A5:A10,T!E5:E10,1)", E("#VALUE!")),
]

LIFTING: list[tuple[str, Any]] = [  # an array value lifts a scalar function in an ordinary formula too
    ("=SUM(ROUND(MINVERSE({4,-1;2,0}),2))", 1.5), ("=SUM(ABS({-1,-2}))", 3.0),
    ("=SUM(ROUND(MINVERSE({4,-1;2,0})*3,0))", 5.0), ('=_xlfn.TEXTJOIN(",",,LEFT({"ab","cd"},1))', "a,c"),
]

CASES = DATABASE + LAMBDAS + ACCRUED + ODD_PERIODS + ERRORS_AND_BITS + INFORMATION + PIVOT + RECENT + COMPLEX_NUMBERS + BESSEL + WIDTHS + GROUPBY + LIFTING

PIVOT_TABLE = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<pivotTableDefinition xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" name="PivotTable1"
 cacheId="1" dataCaption="Values" updatedVersion="8"><location ref="A3:D11" firstHeaderRow="1" firstDataRow="2"
 firstDataCol="1" rowPageCount="1" colPageCount="1"/><pivotFields count="5">
<pivotField axis="axisRow" showAll="0"><items count="3"><item x="1"/><item x="0"/><item t="default"/></items></pivotField>
<pivotField axis="axisRow" showAll="0"><items count="3"><item x="0"/><item x="1"/><item t="default"/></items></pivotField>
<pivotField axis="axisCol" showAll="0"><items count="3"><item x="0"/><item x="1"/><item t="default"/></items></pivotField>
<pivotField dataField="1" showAll="0"/>
<pivotField axis="axisPage" showAll="0"><items count="3"><item x="0"/><item x="1"/><item t="default"/></items></pivotField>
</pivotFields><rowFields count="2"><field x="0"/><field x="1"/></rowFields><rowItems count="7"><i><x/></i>
<i r="1"><x/></i><i r="1"><x v="1"/></i><i><x v="1"/></i><i r="1"><x/></i><i r="1"><x v="1"/></i>
<i t="grand"><x/></i></rowItems><colFields count="1"><field x="2"/></colFields><colItems count="3"><i><x/></i>
<i><x v="1"/></i><i t="grand"><x/></i></colItems><pageFields count="1"><pageField fld="4" item="1" hier="-1"/>
</pageFields><dataFields count="1"><dataField name="Sum of Sales" fld="3" baseField="0" baseItem="0"/></dataFields>
</pivotTableDefinition>"""

PIVOT_CACHE = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<pivotCacheDefinition xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" refreshOnLoad="0"
 recordCount="0"><cacheSource type="worksheet"><worksheetSource ref="A1:E9" sheet="T"/></cacheSource>
<cacheFields count="5"><cacheField name="Region" numFmtId="0"><sharedItems count="2"><s v="West"/><s v="East"/>
</sharedItems></cacheField><cacheField name="Product" numFmtId="0"><sharedItems count="2"><s v="Apples"/>
<s v="Pears"/></sharedItems></cacheField><cacheField name="Quarter" numFmtId="0"><sharedItems count="2">
<s v="Q1"/><s v="Q2"/></sharedItems></cacheField><cacheField name="Sales" numFmtId="0"><sharedItems
 containsSemiMixedTypes="0" containsString="0" containsNumber="1" containsInteger="1" minValue="1" maxValue="20"/>
</cacheField><cacheField name="Year" numFmtId="0"><sharedItems containsSemiMixedTypes="0" containsString="0"
 containsNumber="1" containsInteger="1" minValue="2024" maxValue="2025" count="2"><n v="2024"/><n v="2025"/>
</sharedItems></cacheField></cacheFields></pivotCacheDefinition>"""


def _add_pivot(path: Path, sheet_file: str) -> None:
    """Add the pivot table's parts to the file XlsxWriter wrote, linked from ``sheet_file``."""
    import zipfile
    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    parts[f"xl/worksheets/_rels/{sheet_file}.rels"] = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats'
        f'.org/package/2006/relationships"><Relationship Id="rId1" Type="{rel}/pivotTable" '
        'Target="../pivotTables/pivotTable1.xml"/></Relationships>').encode()
    parts["xl/pivotTables/_rels/pivotTable1.xml.rels"] = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats'
        f'.org/package/2006/relationships"><Relationship Id="rId1" Type="{rel}/pivotCacheDefinition" '
        'Target="../pivotCache/pivotCacheDefinition1.xml"/></Relationships>').encode()
    parts["xl/pivotTables/pivotTable1.xml"] = PIVOT_TABLE.encode()
    parts["xl/pivotCache/pivotCacheDefinition1.xml"] = PIVOT_CACHE.encode()
    ct = parts["[Content_Types].xml"].decode()
    mime = "application/vnd.openxmlformats-officedocument.spreadsheetml"
    ct = ct.replace("</Types>", f'<Override PartName="/xl/pivotTables/pivotTable1.xml" ContentType="{mime}'
                    f'.pivotTable+xml"/><Override PartName="/xl/pivotCache/pivotCacheDefinition1.xml" '
                    f'ContentType="{mime}.pivotCacheDefinition+xml"/></Types>')
    parts["[Content_Types].xml"] = ct.encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for n, data in parts.items():
            z.writestr(n, data)


def _book(path: Path, cases: list[tuple[str, Any]]) -> Path:
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("Cases")
    t = wb.add_worksheet("T")
    lam = wb.add_worksheet("L")
    for i in range(6):
        lam.write(i // 3, i % 3, float(i + 1))
        lam.write_string(3 + i // 3, i % 3, "abcdef"[i])
    for r, row in enumerate(TREES):
        for c, v in enumerate(row):
            if v is not None:
                t.write_string(r, c, v) if isinstance(v, str) else t.write(r, c, v)
    f = wb.add_worksheet("F")
    f.write_formula(0, 0, "=TODAY()")
    f.write_formula(1, 0, "=SUM(L!A1:C2)*2")
    f.write_formula(2, 0, '=_xlfn.TEXTJOIN(",",TRUE,L!A4:C5)')
    f.write_array_formula(3, 0, 3, 0, "{=SUM(L!A1:C1*L!A2:C2)}")
    f.write(4, 0, 5)
    f.write_array_formula(5, 0, 6, 1, "{=L!A1:B2*10}")
    wb.add_worksheet("Empty")
    pv = wb.add_worksheet("P")
    for r, row in enumerate(PIVOT_CELLS):
        for c, v in enumerate(row):
            if v is not None:
                pv.write(r, c, v)
    for i, (formula, _) in enumerate(cases):
        ws.write_formula(i, 0, formula)
    wb.close()
    _add_pivot(path, "sheet6.xml")
    return path


@pytest.fixture(scope="module")
def computed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    path = _book(tmp_path_factory.mktemp("breadth") / "cases.xlsx", CASES)
    report = recalc(path)
    assert not report.unsupported, report.unsupported
    loaded = load(path)
    cells = {(fc.row, fc.col): fc.cached for fc in loaded.parts[0].scan.formulas}  # type: ignore[union-attr]
    loaded.pkg.close()
    return {formula: cells.get((i + 1, 1)) for i, (formula, _) in enumerate(CASES)}


def test_cases_are_distinct() -> None:
    formulas = [f for f, _ in CASES]
    assert len(set(formulas)) == len(formulas)


@pytest.mark.parametrize("formula,expected", CASES, ids=[c[0] for c in CASES])
def test_documented_example(computed: dict[str, Any], formula: str, expected: Any) -> None:
    assert_excel_value(formula, computed[formula], expected)


@pytest.mark.parametrize("text,dr,dc,shown", [
    ("SUM(A1:B2)+$C$3+C$3+$C3", 1, 2, "SUM(C2:D3)+$C$3+E$3+$C4"),
    ('Sheet1!D4&"A1"&LOG10(A1)&Tbl[Col1]', 1, 1, 'Sheet1!E5&"A1"&LOG10(B2)&Tbl[Col1]'),
    ("SUM(A:A)+SUM(1:2)+SUM($A:B)", 1, 1, "SUM(B:B)+SUM(2:3)+SUM($A:C)"),
    ("'Q1 x'!A1+Q1!B2+DAYS360(A1,B1)", 2, 0, "'Q1 x'!A3+Q1!B4+DAYS360(A3,B3)"),
])
def test_formulatext_shows_a_shared_formula_where_it_is(text: str, dr: int, dc: int, shown: str) -> None:
    from kpisheet.excel.recalc.xlfuncs.info import shifted_formula
    assert shifted_formula(text, dr, dc) == shown


def test_a_grouped_pivot_field_names_its_groups() -> None:
    """Dates grouped by month: the pivot field's items are the cache's group items ("Jan")."""
    from kpisheet.excel.recalc.pivots import read_pivot
    table = ('<pivotTableDefinition><location ref="A3:B6" firstHeaderRow="1" firstDataRow="1" firstDataCol="1"/>'
             '<pivotFields count="2"><pivotField axis="axisRow"><items count="3"><item x="1"/><item x="2"/>'
             '<item t="default"/></items></pivotField><pivotField dataField="1"/></pivotFields><rowFields count="1">'
             '<field x="0"/></rowFields><rowItems count="3"><i><x/></i><i><x v="1"/></i><i t="grand"><x/></i>'
             '</rowItems><colItems count="1"><i/></colItems><dataFields count="1"><dataField name="Sum of Sales" '
             'fld="1"/></dataFields></pivotTableDefinition>')
    cache = ('<pivotCacheDefinition><cacheFields count="2"><cacheField name="Date" numFmtId="14"><sharedItems '
             'containsDate="1"/><fieldGroup base="0"><rangePr groupBy="months"/><groupItems count="3">'
             '<s v="&lt;1/5/2024"/><s v="Jan"/><s v="Feb"/></groupItems></fieldGroup></cacheField>'
             '<cacheField name="Sales"><sharedItems containsNumber="1"/></cacheField></cacheFields>'
             '</pivotCacheDefinition>')
    p = read_pivot(table, cache, 0, False)
    assert p is not None and p.names == ["Date", "Sales"] and p.items[0] == ["Jan", "Feb", None]
    assert p.row_items == [("data", (0,), 0), ("data", (1,), 0), ("grand", (0,), 0)] and p.area == (3, 1, 6, 2)
