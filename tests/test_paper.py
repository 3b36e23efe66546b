"""Paper that works on the floor: the order's own colours and sizes on every order sheet, QR codes
that never hold an address phones cannot open, and an embedded Chinese font inside safe margins."""
from __future__ import annotations

import subprocess
from datetime import date, timedelta

import pytest

from factory.data.orders import create_order
from factory.domain.variants import order_variants
from factory.inputs import OrderCreate
from tests.conftest import one, soup, text


def pdf_text(pdf: bytes) -> str:
    return subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True,
                          check=True).stdout.decode()


@pytest.fixture
def red_navy(session, workshop):
    """An order of the scarf (usually 红/黄, 25×160) in red and navy, sizes M and L."""
    order = create_order(session=session, order_in=OrderCreate(
        customer="蓝天服饰", product="SCARF", quantity=40, due=date.today() + timedelta(days=9),
        lines=[{"quantity": 10, "color": "正红", "size": "M"}, {"quantity": 10, "color": "正红", "size": "L"},
               {"quantity": 10, "color": "藏青", "size": "M"}, {"quantity": 10, "color": "藏青", "size": "L"}]),
        number="SO26-0777")
    session.commit()
    return order


# --- the order's colours and sizes --------------------------------------------------------------

def test_variants_are_the_orders_lines_in_order_and_the_products_only_when_lines_name_none():
    assert order_variants([("正红", "M"), ("正红", "L"), ("藏青", "M")], "米白/驼色", "S/M/L/XL") == \
        order_variants([("正红", "M"), ("藏青", "L")], "", "")
    got = order_variants([("正红", "M"), ("正红", "L"), ("藏青", "M")], "米白/驼色", "S/M/L/XL")
    assert (got.colors, got.sizes) == ("正红 / 藏青", "M / L")
    got = order_variants([("", "M"), ("", "L")], "米白/驼色", "S/M/L/XL")
    assert (got.colors, got.sizes) == ("米白/驼色", "M / L")
    got = order_variants([], "米白/驼色", "S/M/L/XL")
    assert (got.colors, got.sizes) == ("米白/驼色", "S/M/L/XL")


def test_work_order_pdf_shows_the_orders_colours_and_sizes(owner_client, red_navy):
    sheet = pdf_text(owner_client.get(f"/orders/{red_navy.number}/ticket.pdf").data)
    technique = sheet.split("工艺")[1].split("颜色尺码数量")[0]
    assert "正红 / 藏青" in technique and "M / L" in technique
    assert "红/黄" not in sheet and "25×160" not in sheet  # the product's usual colours and size


def test_print_preview_and_order_page_show_the_orders_colours_and_sizes(client, owner_client, red_navy):
    preview = soup(owner_client.get(f"/orders/{red_navy.number}/print"))
    assert text(one(preview, ".wo-colors")) == "正红 / 藏青"
    assert text(one(preview, ".wo-size")) == "M / L"
    assert "红/黄" not in text(one(preview, ".technique"))
    page = soup(client.get(f"/o/{red_navy.token}"))
    assert text(one(page, ".order-colors")) == "正红 / 藏青"
    assert text(one(page, ".order-sizes")) == "M / L"
    assert "红/黄" not in text(one(page, ".technique")) and "25×160" not in text(one(page, ".technique"))


def test_an_order_without_colours_shows_the_products(client, workshop):
    page = soup(client.get(f"/o/{workshop.order.token}"))
    assert text(one(page, ".order-colors")) == "红/黄"
