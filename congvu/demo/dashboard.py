"""The demo's operations equipment and dashboard figures: a video-conference endpoint in every commune (all six
connected), 46 security camera points in five of the six communes with their statuses and last checks, then the
dashboard roll-ups rebuilt from the demo's documents, dossiers and staffing, so the dashboard has figures.

Everything goes through the services (journaled, as the system admin of the demo). Idempotent: points that
exist (same agency, kind and name) are left as they are, and the roll-ups are rebuilt from scratch."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from django.utils import timezone

from congvu.dashboard.equipment import equipment_check_record, equipment_point_create
from congvu.dashboard.models import EquipmentKind, EquipmentPoint, EquipmentStatus

# Cameras per commune, in the order of org.communes: 46 points in the first five, none yet in the sixth
# (the seed story: "46 điểm camera tại 5/6 xã").
CAMERAS = (12, 10, 9, 8, 7, 0)
# Camera places of a commune: the market, the school gates, the crossroads, the bridge …
CAMERA_PLACES = ("Chợ", "Cổng trường Tiểu học", "Cổng trường THCS", "Ngã ba trung tâm", "Cầu", "Trạm Y tế",
                 "Nhà văn hóa thôn 1", "Nhà văn hóa thôn 2", "Nhà văn hóa thôn 3", "Bến đò", "Đường ĐT611",
                 "Trụ sở UBND xã")
# Of the 46 cameras: which ones are down at the last check (commune index, camera index) → status.
DOWN = {(0, 3): EquipmentStatus.OFFLINE, (1, 7): EquipmentStatus.OFFLINE, (3, 2): EquipmentStatus.MAINTENANCE,
        (4, 5): EquipmentStatus.OFFLINE}


@dataclass
class DashboardSeed:
    video_conference: int
    cameras: int
    created: int
    rollups: dict | None


def _point(*, actor, agency, kind, name, location, status, checked_at, note="") -> bool:
    """Create the point with its last check unless it exists; True when created."""
    if EquipmentPoint.objects.filter(agency=agency, kind=kind, name=name).exists():
        return False
    point = equipment_point_create(actor=actor, agency=agency, kind=kind, name=name, location=location)
    equipment_check_record(actor=actor, point=point, status=status, note=note, checked_at=checked_at)
    return True


def seed_dashboard_demo(*, org, now: dt.datetime, seed: int = 2028) -> DashboardSeed:
    """`org` is the demo organisation of congvu.demo.seed (district, communes, admin …)."""
    rng = random.Random(seed)
    actor = org.admin
    # A check never lies in the future, even when the demo is built "as of" a later moment than the clock.
    latest = min(now, timezone.now())
    created = 0
    for commune in org.communes:
        created += _point(actor=actor, agency=commune, kind=EquipmentKind.VIDEO_CONFERENCE,
                          name=f"Điểm cầu truyền hình trực tuyến {commune.name}",
                          location=f"Hội trường {commune.name}", status=EquipmentStatus.ONLINE,
                          checked_at=latest - dt.timedelta(hours=rng.randint(1, 30)),
                          note="Kiểm tra định kỳ trước phiên họp trực tuyến")
    for ci, (commune, count) in enumerate(zip(org.communes, CAMERAS)):
        for i in range(count):
            status = DOWN.get((ci, i), EquipmentStatus.ONLINE)
            note = {EquipmentStatus.OFFLINE: "Mất tín hiệu đường truyền",
                    EquipmentStatus.MAINTENANCE: "Thay nguồn, chờ bảo hành"}.get(status, "")
            created += _point(actor=actor, agency=commune, kind=EquipmentKind.CAMERA,
                              name=f"Camera {CAMERA_PLACES[i]} — {commune.place or commune.name}",
                              location=f"{CAMERA_PLACES[i]}, {commune.name}", status=status,
                              checked_at=latest - dt.timedelta(hours=rng.randint(2, 24 * 6)), note=note)
    try:
        from congvu.dashboard import rollups
    except ImportError:  # the roll-ups are not there yet: the equipment alone
        rollups = None
    summary = rollups.rebuild(now=now) if rollups is not None and hasattr(rollups, "rebuild") else None
    return DashboardSeed(video_conference=len(org.communes), cameras=sum(CAMERAS[:len(org.communes)]),
                         created=created, rollups=summary)
