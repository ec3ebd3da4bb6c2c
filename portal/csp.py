"""Content Security Policy (django-csp). The portal's own pages run no inline script: every
script is a static file, data reaches it through `json_script` blocks. Two places are let off,
each for a stated reason:

- the Wagtail and Django admins (`ADMIN_PREFIXES`): Wagtail's own templates carry a few inline
  scripts, so their pages also allow inline script (everything else stays as strict);
- files of an uploaded SCORM package (`courses.views.scorm.scorm_content`, by its decorator):
  third-party e-learning, written with inline script and often `eval`.
"""

from csp.middleware import CSPMiddleware

ADMIN_PREFIXES = ("/cms/", "/django-admin/")
UNSAFE_INLINE = "'unsafe-inline'"


class PortalCSPMiddleware(CSPMiddleware):
    def process_response(self, request, response):
        if request.path_info.startswith(ADMIN_PREFIXES) and not hasattr(response, "_csp_update"):
            response._csp_update = {"script-src": [UNSAFE_INLINE]}
        return super().process_response(request, response)
