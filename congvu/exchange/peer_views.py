"""Pages of the peers (hệ thống liên thông): the system admin lists them with how the exchange with each is
going, adds and edits them. The shared secret is typed once and never shown again. Thin: congvu.exchange.peers
decides (the same service as `congvu exchange peer-set`)."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as HttpForbidden
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from congvu.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from congvu.exchange import peers
from congvu.exchange.models import PeerTransport


class PeerForm(forms.Form):
    name = forms.CharField(label="Tên hệ thống", max_length=100, help_text="Ví dụ: Trục liên thông tỉnh Quảng Nam.")
    transport = forms.ChoiceField(label="Cách kết nối", choices=PeerTransport.choices, initial=PeerTransport.HTTP,
                                  widget=forms.RadioSelect)
    url = forms.CharField(label="Địa chỉ HTTP(S)", max_length=300, required=False,
                          help_text="Địa chỉ gốc của hệ thống kia, ví dụ https://vpdt.quangnam.gov.vn/.",
                          widget=forms.TextInput(attrs={"placeholder": "https://…"}))
    folder = forms.CharField(label="Thư mục trao đổi", max_length=300, required=False,
                             help_text="Chỉ khi kết nối qua thư mục: thư mục trên máy chủ để chuyển gói tin thủ công.")
    fetch = forms.BooleanField(label="Lấy gói chờ ta ở hệ thống này", required=False,
                               help_text="Mỗi phút lấy về các gói hệ thống kia giữ cho ta (kiểu trục tỉnh); cần địa "
                                         "chỉ HTTP(S).")
    organ_ids = forms.CharField(label="Mã định danh phục vụ", widget=forms.Textarea(attrs={"rows": 3}),
                                help_text="Các cơ quan hệ thống kia phục vụ, cách nhau dấu phẩy hoặc xuống dòng.")
    key_id = forms.CharField(label="Mã khóa (key id)", max_length=100)
    secret = forms.CharField(label="Khóa bí mật chung", required=False, strip=False,
                             widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}))
    active = forms.BooleanField(label="Đang hoạt động", required=False, initial=True)

    def __init__(self, *args, editing: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["secret"].help_text = (
            "Để trống: giữ khóa đang dùng. Nhập khóa mới khi đổi khóa ở cả hai hệ thống." if editing else
            "Khai báo giống hệt ở hệ thống kia. Để trống: hệ thống sinh khóa ngẫu nhiên và hiện một lần duy nhất.")

    def clean_secret(self):
        secret = self.cleaned_data["secret"]
        if secret and len(secret.strip()) < peers.MIN_SECRET_LENGTH:
            raise forms.ValidationError(f"Khóa bí mật chung cần ít nhất {peers.MIN_SECRET_LENGTH} ký tự.")
        return secret


def _admin(request) -> None:
    if not peers.is_peer_admin(request.user):
        raise HttpForbidden("Chỉ quản trị hệ thống được khai báo hệ thống liên thông.")


@login_required
@require_GET
def peer_list(request):
    _admin(request)
    return render(request, "exchange/peer_list.html", {"rows": peers.peer_rows(user=request.user)})


def _save(request, form: PeerForm, existing: int | None):
    if not form.is_valid():
        return None
    data = form.cleaned_data
    try:
        return peers.peer_save(actor=request.user, name=data["name"], url=data["url"], folder=data["folder"],
                               organ_ids=data["organ_ids"], key_id=data["key_id"], secret=data["secret"],
                               active=data["active"], transport=data["transport"], fetch=data["fetch"],
                               existing=existing)
    except ValidationFailed as exc:
        for name, message in exc.fields.items():
            form.add_error(name if name in form.fields else None, message)
        if not exc.fields:
            form.add_error(None, exc.message)
    except Conflict as exc:
        form.add_error(None, exc.message)
    except PermissionDenied as exc:
        raise HttpForbidden(exc.message)
    except NotFound as exc:
        raise Http404(exc.message)
    return None


def _saved(request, saved: peers.PeerSaved):
    if saved.generated_secret:
        # Shown on this one response only (not redirected, not kept in the session): copy it to the other side.
        response = render(request, "exchange/peer_secret.html", {"peer": saved.peer, "secret": saved.generated_secret})
        response["Cache-Control"] = "no-store"
        return response
    messages.success(request, f"Đã {'thêm' if saved.created else 'lưu'} hệ thống liên thông {saved.peer.name}.")
    return redirect("exchange:peers")


@login_required
@require_http_methods(["GET", "POST"])
def peer_new(request):
    _admin(request)
    form = PeerForm(request.POST or None, editing=False)
    if request.method == "POST":
        saved = _save(request, form, None)
        if saved is not None:
            return _saved(request, saved)
    return render(request, "exchange/peer_form.html", {"form": form, "peer": None},
                  status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def peer_edit(request, pk: int):
    _admin(request)
    try:
        peer = peers.peer_get(user=request.user, pk=pk)
    except NotFound as exc:
        raise Http404(exc.message)
    if request.method == "POST":
        form = PeerForm(request.POST, editing=True)
        saved = _save(request, form, peer.pk)
        if saved is not None:
            return _saved(request, saved)
    else:
        form = PeerForm(editing=True, initial={
            "name": peer.name, "transport": peer.transport, "fetch": peer.fetch, "url": peer.base_url,
            "folder": peer.folder,
            "organ_ids": ", ".join(peer.organ_ids or []), "key_id": peer.key_id, "active": peer.active})
    return render(request, "exchange/peer_form.html", {"form": form, "peer": peer},
                  status=400 if form.errors else 200)
