"""edXML packages (QCVN 102:2016/BTTTT): safe streaming parser and builder. Plain Python, no Django."""

from .build import build_package, document_id_for  # noqa: F401
from .jsonview import package_json  # noqa: F401
from .model import (  # noqa: F401
    BUSINESS_NEW,
    BUSINESS_RECALL,
    BUSINESS_REPLACE,
    BUSINESS_UPDATE,
    NS_QCVN,
    NS_VNPT_OLD,
    STATUS_CODES,
    Attachment,
    Business,
    EdxmlError,
    Finding,
    Organ,
    OtherInfo,
    Package,
    Receiver,
    Replacement,
    ResponseFor,
    Signer,
    StaffInfo,
    Status,
    TraceHeader,
)
from .parse import parse_package  # noqa: F401
