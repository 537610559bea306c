"""One-stop fixtures: a procedure version built through the models (the catalogue services have their own
tests), so every part of the app can start from the same realistic procedure."""

import datetime as dt
from decimal import Decimal

import pytest

from congvu.onestop.models import (
    OnlineLevel,
    Procedure,
    ProcedureComponent,
    ProcedureLevel,
    ProcedureStep,
    ProcedureVersion,
    StepHandler,
    SupplementRule,
    TimeUnit,
)


def make_procedure(*, local_code="1.001612.000.00.00.H40", name="Đăng ký khai sinh", time_limit="5",
                   time_unit=TimeUnit.WORKING_DAYS, fee=0, online_level=OnlineLevel.PARTIAL,
                   supplement_rule=SupplementRule.RESTART, valid_from=dt.date(2025, 7, 1),
                   steps=(("Tiếp nhận hồ sơ", StepHandler.COUNTER, "0.5"),
                          ("Thẩm định hồ sơ", StepHandler.DEPARTMENT, "3"),
                          ("Lãnh đạo ký duyệt", StepHandler.LEADER, "1"),
                          ("Trả kết quả", StepHandler.COUNTER, "0.5")),
                   components=(("Tờ khai đăng ký khai sinh", True), ("Giấy chứng sinh", True),
                               ("Giấy tờ tùy thân của người đi đăng ký", False))) -> ProcedureVersion:
    procedure = Procedure.objects.create(national_code=local_code.split(".000.")[0], local_code=local_code,
                                         name=name, field="Hộ tịch", level=ProcedureLevel.COMMUNE)
    version = ProcedureVersion.objects.create(
        procedure=procedure, valid_from=valid_from, basis="Luật Hộ tịch 2014; NĐ 123/2015/NĐ-CP",
        time_limit=Decimal(time_limit), time_unit=time_unit, fee=fee, online_level=online_level,
        supplement_rule=supplement_rule, result_documents="Giấy khai sinh (bản chính)")
    for i, (cname, required) in enumerate(components):
        ProcedureComponent.objects.create(version=version, position=i, name=cname, required=required)
    for i, (sname, handler, budget) in enumerate(steps):
        ProcedureStep.objects.create(version=version, position=i, name=sname, handler=handler,
                                     department_code="NV" if handler == StepHandler.DEPARTMENT else "",
                                     budget=Decimal(budget))
    return version


@pytest.fixture
def procedure_version(db) -> ProcedureVersion:
    """Đăng ký khai sinh: 5 working days, restart after a supplement, four steps, two required papers."""
    return make_procedure()
