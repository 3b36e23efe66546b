"""Bundle label speed: 1,000 labels on an A4 3 x 8 sheet and on thermal 50 x 30 mm, as the server
renders them (QR matrix, vector QR, fitted Chinese text, PDF bytes). Prints labels per second.

    .venv/bin/python bench/labels.py [count]
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask import Flask  # noqa: E402
from flask_babel import Babel  # noqa: E402

from factory.data.models import new_token  # noqa: E402
from factory.domain.labels import PRESETS  # noqa: E402
from factory.printing.render import BundleLabel, bundle_labels_pdf  # noqa: E402


def labels(count: int) -> list[BundleLabel]:
    colors = ["藏青色", "酒红", "米白", "燕麦色"]
    return [BundleLabel(url=f"http://192.168.1.20:8000/t/{new_token()}", order_number=f"SO26-{i // 40 + 1:04d}",
                        bundle_no=i % 40 + 1, bundle_count=40, quantity=30, color=colors[i % 4], size="XL",
                        product="男士羊毛混纺圆领提花套头毛衣", due="2026-12-20") for i in range(count)]


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    app = Flask(__name__)
    Babel(app)
    with app.test_request_context():
        for preset in ("a4-3x8", "50x30"):
            items = labels(count)
            started = time.perf_counter()
            pdf = bundle_labels_pdf(PRESETS[preset], items)
            seconds = time.perf_counter() - started
            print(f"{preset:>8}: {count} labels in {seconds:.2f} s = {count / seconds:,.0f} labels/s, "
                  f"{len(pdf) / 1024:,.0f} KiB PDF")


if __name__ == "__main__":
    main()
