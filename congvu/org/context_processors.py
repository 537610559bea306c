from congvu.org.models import Agency
from congvu.org.selectors import user_access


def active_agency(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    access = user_access(user)
    agencies = list(Agency.objects.filter(pk__in=list(access)).order_by("name")) if access else []
    current = next((a for a in agencies if a.pk == getattr(request, "agency_id", None)), None)
    roles = access[current.pk].roles if current else frozenset()
    return {"my_agencies": agencies, "current_agency": current, "current_roles": roles}
