"""The NinjaAPI object of /api/v1: authentication, error handlers, routers and the OpenAPI document."""

from ninja import NinjaAPI
from ninja.renderers import JSONRenderer

from congvu.api import (
    catalog,
    dashboard,
    directory,
    documents,
    drafting,
    exchange,
    intake,
    notifications,
    onestop,
    onestop_catalogue,
    onestop_copies,
    onestop_stats,
    records,
    schedule,
    signing,
    staffing,
    staffing_reorg,
    staffing_roadmap,
    staffing_roster,
    tasks,
    workdays,
    workflow,
)
from congvu.api.auth import SessionAuth, TokenAuth
from congvu.api.errors import install_handlers
from congvu.api.schemas import IncomingIn, OutgoingIn

DESCRIPTION = """API JSON của congvu: sổ văn bản đến, văn bản đi, tìm kiếm, tệp đính kèm.

**Xác thực**: gửi `Authorization: Bearer <khóa>` (khóa tạo bằng `congvu apitoken create TÊN_ĐĂNG_NHẬP`),
hoặc dùng phiên đăng nhập của trình duyệt (các phương thức ghi cần mã CSRF trong tiêu đề `X-CSRFToken`).

**Lỗi** luôn là JSON `{"code": "...", "message": "...", "fields": {...}}`: `message` bằng tiếng Việt,
`fields` chỉ ra trường sai. Ngày dạng `yyyy-mm-dd` (khi gửi lên cũng nhận `dd/mm/yyyy`).

Chỉ thấy văn bản bạn được xem: văn bản không có quyền xem trả về 404 như văn bản không tồn tại.
"""


class Utf8JSONRenderer(JSONRenderer):
    # Vietnamese stays readable in responses and in curl output.
    json_dumps_params = {"ensure_ascii": False}


class CongvuAPI(NinjaAPI):
    # Bodies read by hand (JSON or multipart) are documented through these schemas.
    extra_schemas = (IncomingIn, OutgoingIn, tasks.TaskIn)

    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        for model in self.extra_schemas:
            body = model.model_json_schema(ref_template="#/components/schemas/{model}")
            components.update(body.pop("$defs", {}))
            components[model.__name__] = body
        return schema


api = CongvuAPI(
    title="congvu — API văn bản",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api_v1",
    docs_url=None,  # the interactive docs page would load assets from a CDN
    auth=[TokenAuth(), SessionAuth()],
    renderer=Utf8JSONRenderer(),
)
install_handlers(api)
api.add_router("/documents", documents.router)
api.add_router("", catalog.router)
api.add_router("", workdays.router)
api.add_router("", notifications.router)
api.add_router("", workflow.router)
api.add_router("", tasks.router)
api.add_router("", drafting.router)
api.add_router("", exchange.router)
api.add_router("", schedule.router)
api.add_router("", records.router)
api.add_router("", intake.router)
api.add_router("", directory.router)
api.add_router("", signing.router)
api.add_router("", onestop_catalogue.router)
api.add_router("", onestop.router)
api.add_router("", onestop_copies.router)
api.add_router("", onestop_stats.router)
api.add_router("", staffing.router)
api.add_router("", staffing_roster.router)
api.add_router("", staffing_reorg.router)
api.add_router("", staffing_roadmap.router)
api.add_router("", dashboard.router)
