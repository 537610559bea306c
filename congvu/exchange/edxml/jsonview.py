"""The JSON shape printed by `congvu edxml parse` (keys fixed by issue 5)."""

from __future__ import annotations

from .model import Organ, Package


def _organ(organ: Organ) -> dict:
    return {"organ_id": organ.organ_id, "name": organ.name}


def package_json(package: Package) -> dict:
    business = package.business
    status = package.status
    return {
        "kind": package.kind,
        "from": _organ(package.sender),
        "to": [_organ(o) for o in package.recipients],
        "document_id": package.document_id,
        "number": package.number,
        "notation": package.notation,
        "place": package.place,
        "date": package.date.isoformat() if package.date else None,
        "type_name": package.type_name,
        "subject": package.subject,
        "signer": {
            "competence": package.signer.competence,
            "position": package.signer.position,
            "full_name": package.signer.full_name,
        },
        "due_date": package.due_date.isoformat() if package.due_date else None,
        "priority": package.other_info.priority,
        "steering_type": package.steering_type,
        "to_places": list(package.to_places),
        "business": (
            {"doc_type": business.doc_type, "reason": business.reason, "document_id": business.document_id}
            if business
            else None
        ),
        "status": (
            {
                "code": status.code,
                "description": status.description,
                "timestamp": status.timestamp.isoformat() if status.timestamp else None,
            }
            if status
            else None
        ),
        "attachments": [
            {"name": a.name, "content_type": a.content_type, "size": a.size, "sha256": a.sha256, "zipped": a.zipped}
            for a in package.attachments
        ],
        "warnings": [f.message for f in package.warnings],
    }
