"""The words on the pages: one Chinese text per English string across the area catalogs (Flask-Babel
merges them, so two texts for one string show whichever catalog loads first), the workshop's
words for each thing, and "late" said as late."""
from __future__ import annotations

from collections import defaultdict

from babel.messages.pofile import read_po

from factory.catalogs import areas, po_path
from tests.conftest import one, soup, text


def _pairs() -> dict[str, dict[str, str]]:
    found: dict[str, dict[str, str]] = defaultdict(dict)
    for area in areas():
        if not po_path(area).exists():
            continue
        with po_path(area).open("rb") as f:
            for message in read_po(f, locale="zh"):
                if message.id:
                    key = message.id if isinstance(message.id, str) else message.id[0]
                    value = message.string if isinstance(message.string, str) else message.string[0]
                    found[key][area] = value
    return found


def test_each_english_string_has_one_chinese_text_in_every_catalog():
    differing = {key: texts for key, texts in _pairs().items() if len(set(texts.values())) > 1}
    assert differing == {}


def test_late_is_said_as_late_not_postponed():
    # 延期 reads as "postponed" (a decision); lateness is 逾期.
    postponed = {key: texts for key, texts in _pairs().items() if any("延期" in t for t in texts.values())}
    assert postponed == {}
    assert set(_pairs()["Late"].values()) == {"逾期"}


def test_codes_and_names_of_things_are_not_called_worker_numbers(owner_client, workshop):
    products = soup(owner_client.get("/products"))
    headers = [text(th) for th in one(products, "table").select("th")]
    assert headers[:2] == ["编号", "名称"]
    assert "工号" not in text(products) and "姓名" not in text(products)
    product = soup(owner_client.get(f"/products/{workshop.product.code}"))
    assert "工号" not in text(product)
    settings = soup(owner_client.get("/settings"))
    assert "工号" not in text(settings) and "姓名" not in text(settings)
    workers = soup(owner_client.get("/workers"))
    assert [text(th) for th in one(workers, "table.workers").select("th")][:2] == ["工号", "姓名"]
