from congvu.org.selectors import user_access


class ActiveAgencyMiddleware:
    """Sets `request.agency_id`: the agency the user is working in now (kiêm nhiệm switches it)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.agency_id = None
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            access = user_access(user)
            chosen = request.session.get("agency_id")
            if chosen not in access:
                chosen = min(access) if access else None
                if chosen is not None:
                    request.session["agency_id"] = chosen
            request.agency_id = chosen
        return self.get_response(request)
