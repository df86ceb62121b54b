"""The browsable API documentation (Swagger UI), self-hosted from drf-spectacular-sidecar and
compatible with the site's Content-Security-Policy: no inline script (the init script is a
separate same-origin URL) and no inline style (our template links a static stylesheet)."""

from drf_spectacular.views import SpectacularSwaggerSplitView


class SwaggerDocs(SpectacularSwaggerSplitView):
    template_name = "api/swagger_ui.html"
    title = "Gardez le lien — documentation de l'API"
