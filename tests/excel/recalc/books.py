"""Workbooks the recalc tests build: finance-shaped formulas, and files full of parts
(chart, image, VBA, conditional formats, data validation, table, comment) that must survive."""

from __future__ import annotations

import datetime as dt
import random
import struct
import zlib
from pathlib import Path

import xlsxwriter
from openpyxl import Workbook
from openpyxl.utils import get_column_letter as L

CATS = ["Sales", "Services", "COGS", "Opex", "Capex"]


def finance_book(path: Path, rows: int = 2000, accounts: int = 40) -> Path:
    """The shapes of ``make_book.py --excel-formulas`` (SUMIFS, COUNTIFS, AVERAGEIFS, VLOOKUP,
    INDEX/MATCH, IFERROR, ROUND, a dependency chain, date criteria), no cached values."""
    rnd = random.Random(7)
    names = [f"ACC{i:03d}" for i in range(1, accounts + 1)]
    wb = Workbook()
    ws = wb.active
    ws.title = "Data"
    ws.append(["Date", "Account", "Amount", "Qty", "Category"])
    d0 = dt.datetime(2024, 1, 1)
    for _ in range(rows):
        ws.append([d0 + dt.timedelta(days=rnd.randint(0, 729)), rnd.choice(names[:-3]),
                   round(rnd.uniform(-500, 5000), 2), rnd.randint(0, 50), rnd.choice(CATS)])
    wa = wb.create_sheet("Accounts")
    wa.append(["account", "region", "budget", "strategic_value"])
    for a in names:
        wa.append([a, rnd.choice(["EMEA", "AMER", "APAC"]), round(rnd.uniform(1e4, 6e4), 2), rnd.randint(1, 5)])
    wc = wb.create_sheet("Calc")
    e = rows + 1
    amt, acc, qty, cat, dat = (f"Data!$C$2:$C${e}", f"Data!$B$2:$B${e}", f"Data!$D$2:$D${e}",
                               f"Data!$E$2:$E${e}", f"Data!$A$2:$A${e}")
    n = accounts + 1
    for k, a in enumerate(names):
        r = k + 2
        wc.cell(r, 1, a)
        wc.cell(r, 2, f"=SUMIFS({amt},{acc},A{r})")
        wc.cell(r, 3, f"=COUNTIFS({acc},A{r})")
        wc.cell(r, 4, f"=AVERAGEIFS({amt},{acc},A{r})")
        wc.cell(r, 5, f"=IFERROR(B{r}/C{r},0)")
        wc.cell(r, 6, f"=VLOOKUP(A{r},Accounts!$A$2:$C${n},3,FALSE)")
        wc.cell(r, 7, f"=INDEX(Accounts!$B$2:$B${n},MATCH(A{r},Accounts!$A$2:$A${n},0))")
        wc.cell(r, 8, f"=ROUND(B{r}-F{r},2)")
        wc.cell(r, 9, f'=IF(H{r}>0,"over","under")')
        wc.cell(r, 10, f'=SUMIFS({amt},{acc},A{r},{cat},"Sales")')
        wc.cell(r, 11, f'=SUMIFS({amt},{acc},A{r},{dat},">="&DATE(2025,7,1))')
        wc.cell(r, 12, f'=TEXT(F{r},"#,##0.00")&" "&UPPER(LEFT(G{r},2))')
    for m in range(1, 13):
        r = m + 1
        wc.cell(r, 13, f"=DATE(2025,{m},1)")
        for j in range(5):
            wc.cell(1, 14 + j, CATS[j])
            col = L(14 + j)
            wc.cell(r, 14 + j, f'=SUMIFS({amt},{cat},{col}$1,{dat},">="&$M{r},{dat},"<"&EOMONTH($M{r},0)+1)')
    chain = min(300, rows - 1)
    wc["T2"] = "=Data!C2"
    for r in range(3, chain + 2):
        wc.cell(r, 20, f"=T{r-1}+Data!C{r}*0.5")
    for r in range(2, chain + 2):
        wc.cell(r, 21, f"=IFERROR(T{r}/Data!D{r},0)")
    summary = [f"=SUM({amt})", f"=SUM(B2:B{n})", f"=COUNTA({acc})", f"=AVERAGE({amt})", f"=MAX({amt})",
               f"=MIN({amt})", "=SUM(N2:R13)", "=ROUND(W2-W3,6)", f"=SUMPRODUCT({amt},{qty})",
               f'=COUNTIF(I2:I{n},"over")', f"=MEDIAN({amt})", f'=SUMPRODUCT(({cat}="Opex")*{amt})',
               f"=YEAR(MAX({dat}))*100+MONTH(MAX({dat}))", f'=COUNTIFS({cat},"C*",{qty},">25")',
               f"=MATCH(MAX(B2:B{n}),B2:B{n},0)", f'=SUMIF({cat},"<>Capex",{qty})']
    for i, f in enumerate(summary):
        wc.cell(i + 2, 23, f)
    wb.save(path)
    return path


def tiny_png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    raw = b"".join(b"\x00" + b"\xff\x00\x00" * 4 for _ in range(4))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 4, 4, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


FAKE_VBA = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(range(256)) * 8  # stored verbatim; never run


def rich_book(path: Path) -> Path:
    """A workbook with many kinds of parts; .xlsm gets a VBA project."""
    folder = path.parent
    png = folder / "logo.png"
    png.write_bytes(tiny_png())
    wb = xlsxwriter.Workbook(str(path))
    if path.suffix == ".xlsm":
        vba = folder / "vbaProject.bin"
        vba.write_bytes(FAKE_VBA)
        wb.add_vba_project(str(vba))
    money = wb.add_format({"num_format": "#,##0.00", "bold": True})
    red = wb.add_format({"bg_color": "#FFC7CE"})
    ws = wb.add_worksheet("Data")
    ws.write_row(0, 0, ["Month", "Revenue", "Cost", "Margin", "Share"])
    for i in range(12):
        r = i + 1
        ws.write_datetime(r, 0, dt.datetime(2025, i + 1, 1), wb.add_format({"num_format": "yyyy-mm"}))
        ws.write_number(r, 1, 1000 + 37 * i)
        ws.write_number(r, 2, 600 + 11 * i)
        ws.write_formula(r, 3, f"=B{r + 1}-C{r + 1}", money, 0)  # a stale cached value: 0
        ws.write_formula(r, 4, f"=IFERROR(D{r + 1}/SUM($D$2:$D$13),0)", None, 0)
    ws.write_formula(13, 1, "=SUM(B2:B13)", money)
    ws.write_formula(13, 3, '=IF(SUM(D2:D13)>5000,"good","bad")', None, "bad")
    ws.write_formula(14, 3, "=1/0", None, "#DIV/0!")
    ws.write_array_formula("F2:F4", "{=B2:B4*2}")
    wb.define_name("Revenue", "=Data!$B$2:$B$13")
    ws.write_formula(15, 3, "=SUM(Revenue)/COUNT(Revenue)")
    ws.conditional_format("D2:D13", {"type": "cell", "criteria": "<", "value": 500, "format": red})
    ws.data_validation("B2:B13", {"validate": "integer", "criteria": ">=", "value": 0})
    ws.write_comment("A1", "Months of 2025")
    ws.insert_image("H2", str(png))
    chart = wb.add_chart({"type": "column"})
    chart.add_series({"categories": "=Data!$A$2:$A$13", "values": "=Data!$D$2:$D$13"})
    ws.insert_chart("H8", chart)
    t = wb.add_worksheet("Table")
    t.add_table("A1:C4", {"name": "Sales", "columns": [
        {"header": "Item"}, {"header": "Qty"}, {"header": "Total", "formula": "=Sales[[#This Row],[Qty]]*10"}],
        "data": [["a", 1], ["b", 2], ["c", 3]]})
    t.write_formula("E1", "=SUM(Sales[Total])")
    t.write_formula("E2", "=SUM(Sales[Qty])*2+Data!B2")
    wb.close()
    return path
