"""Input models: what people send (forms, the API, imports), one model per thing, all named
`<Thing>In`, strict by default (`Input`: unknown fields refused; through `validate_json` an integer
field takes only integers and a boolean only booleans). Errors are named by field, in the reader's
language (`validate`, `validate_json`).

    base       Input, validate, validate_json, the shared field types (Code, RequiredText, dates)
    orders     OrderIn, OrderLineIn, OrderSearchIn, InquiryIn, DecisionIn, AcceptIn, BoardFilterIn, ReplayIn
    scans      TicketScanIn, ScanIn, ReverseIn
    workshop   ProductIn, NewProductIn, OperationIn, WorkCenterIn, HolidayIn, WorkerIn, StuckHoursIn
    pay        RateIn, AdjustmentIn
    printing   LabelOptionsIn

Inputs sit below the data layer (data functions take them) and above the pure rules."""
from factory.inputs.base import (
    CLIENT_ID_PATTERN,
    EARLIEST,
    LATEST,
    Code,
    Input,
    RequiredText,
    check_date_range,
    errors_by_field,
    message_for,
    validate,
    validate_json,
)
from factory.inputs.orders import (
    BOARD_GLANCE,
    AcceptIn,
    BoardFilterIn,
    DecisionIn,
    InquiryIn,
    OrderIn,
    OrderLineIn,
    OrderSearchIn,
    ReplayIn,
    form_lines,
)
from factory.inputs.pay import AdjustmentIn, Money, RateIn
from factory.inputs.printing import LabelOptionsIn
from factory.inputs.scans import ClientId, ReverseIn, ScanIn, TicketScanIn, Token
from factory.inputs.workshop import (
    MAX_HOLIDAY_DAYS,
    HolidayIn,
    NewProductIn,
    OperationIn,
    ProductIn,
    StuckHoursIn,
    WorkCenterIn,
    WorkerIn,
)

__all__ = [
    "CLIENT_ID_PATTERN", "EARLIEST", "LATEST", "Code", "Input", "RequiredText", "check_date_range",
    "errors_by_field", "message_for", "validate", "validate_json",
    "BOARD_GLANCE", "AcceptIn", "BoardFilterIn", "DecisionIn", "InquiryIn", "OrderIn", "OrderLineIn",
    "OrderSearchIn", "ReplayIn", "form_lines",
    "AdjustmentIn", "Money", "RateIn", "LabelOptionsIn",
    "ClientId", "ReverseIn", "ScanIn", "TicketScanIn", "Token",
    "MAX_HOLIDAY_DAYS", "HolidayIn", "NewProductIn", "OperationIn", "ProductIn", "StuckHoursIn", "WorkCenterIn",
    "WorkerIn",
]
