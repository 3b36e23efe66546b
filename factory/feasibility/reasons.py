"""The words behind a verdict: one message per reason code, in English and Simplified Chinese,
filled from the reason's parameters so the web layer can also render them itself."""
from __future__ import annotations

from datetime import date

LANGUAGES = ("en", "zh")

MESSAGES = {
    "fits_regular_time": {
        "en": "Fits in regular time: it can be ready by {earliest}, {slack_days} days before the due date {due}.",
        "zh": "正常班即可完成：最早{earliest}可交货，比交期{due}提前{slack_days}天。",
    },
    "needs_overtime": {
        "en": "Needs overtime: {hours} hours in all ({centers}). Without overtime the earliest is {earliest}.",
        "zh": "需要加班：共{hours}小时（{centers}）。不加班最早{earliest}才能完成。",
    },
    "needs_overtime_beyond_horizon": {
        "en": "Needs overtime: {hours} hours in all ({centers}). Without overtime it cannot be done within the "
              "next {horizon_days} days.",
        "zh": "需要加班：共{hours}小时（{centers}）。不加班，{horizon_days}天内都做不完。",
    },
    "too_late": {
        "en": "Cannot be ready by {due}: even with all overtime the earliest is {earliest}, {late_days} days later.",
        "zh": "{due}交不了货：即使全部加班，最早也要{earliest}，晚{late_days}天。",
    },
    "beyond_horizon": {
        "en": "Cannot be ready by {due}, nor at any date in the next {horizon_days} days, even with all overtime.",
        "zh": "{due}交不了货；即使全部加班，未来{horizon_days}天内也做不完。",
    },
    "due_in_past": {
        "en": "The due date {due} is already past.",
        "zh": "交期{due}已经过了。",
    },
    "bottleneck_load": {
        "en": "{center} is {booked_percent}% booked until {due}; the order needs {hours} more hours there.",
        "zh": "{center}工段到{due}的产能已排满{booked_percent}%；这张订单在那里还需要{hours}小时。",
    },
    "due_on_non_working_day": {
        "en": "The due date {due} is not a working day: the goods must be ready on {last_working_day}.",
        "zh": "交期{due}不是工作日：货要在{last_working_day}前做好。",
    },
    "shares_product": {
        "en": "Same product as {order}, already on the line: bundles and setups can follow on.",
        "zh": "与在产订单{order}是同一款产品：可以接着做，少换款。",
    },
    "fragmented_order": {
        "en": "Setup is {setup_percent}% of this order's work: a small order for its setups.",
        "zh": "换款准备占这张订单工时的{setup_percent}%：量小，换款成本高。",
    },
    "orders_at_risk": {
        "en": "{count} open orders miss their due dates even without this order ({orders}); "
              "that is not this order's doing, and it is planned not to make them any later.",
        "zh": "即使不接这张订单，也有{count}张在产订单赶不上交期（{orders}）；这不是新订单造成的，"
              "排产时也不会让它们更晚。",
    },
    "nothing_left": {
        "en": "Nothing is left to make for this order.",
        "zh": "这张订单已经没有要做的了。",
    },
}

CENTER_NAMES = {
    "knitting": {"en": "Knitting", "zh": "织片"},
    "linking": {"en": "Linking", "zh": "套口"},
    "washing": {"en": "Washing", "zh": "洗水"},
    "finishing": {"en": "Finishing", "zh": "整烫"},
    "packing": {"en": "Packing", "zh": "包装"},
}


def language(lang: str | None) -> str:
    """'zh', 'zh_Hans_CN', 'zh-CN' read as Chinese; anything else as English."""
    return "zh" if lang and str(lang).lower().startswith("zh") else "en"


def center_name(center_id: str, lang: str) -> str:
    return CENTER_NAMES.get(center_id, {}).get(lang, center_id)


def day_text(day: str, lang: str) -> str:
    d = date.fromisoformat(day)
    return f"{d.month}月{d.day}日" if lang == "zh" else f"{d:%b} {d.day}"


def render(code: str, params: dict, lang: str) -> str:
    """The message for a reason, dates and work centers in the reader's words."""
    shown = {}
    for key, value in params.items():
        if key in ("due", "earliest", "last_working_day") and isinstance(value, str):
            shown[key] = day_text(value, lang)
        elif key == "center":
            shown[key] = center_name(value, lang)
        elif key == "centers" and isinstance(value, dict):
            sep = "，" if lang == "zh" else ", "
            shown[key] = sep.join(f"{center_name(c, lang)} {round(h, 1):g}" + ("小时" if lang == "zh" else " h")
                                  for c, h in value.items())
        elif key == "orders" and isinstance(value, list):
            shown[key] = ("、" if lang == "zh" else ", ").join(value)
        else:
            shown[key] = value
    return MESSAGES[code][lang].format(**shown)
