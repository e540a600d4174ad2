"""The API docs page (Swagger UI) from the API's own assets: no CDN, works with no internet.

The assets come from the ``swagger-ui-bundle`` package, a pinned dependency, so the page
shows the same renderer in every deployment and no third-party script runs on our origin.
"""

from __future__ import annotations

from litestar.openapi.plugins import SwaggerRenderPlugin
from litestar.router import Router
from litestar.static_files import create_static_files_router
from swagger_ui_bundle import swagger_ui_path

DOCS_PATH = "/docs"
ASSETS_PATH = DOCS_PATH + "/assets"


def docs_render_plugin(api_prefix: str) -> SwaggerRenderPlugin:
    """The docs page at ``{api_prefix}/docs``, loading only ``{api_prefix}/docs/assets``."""
    assets = api_prefix + ASSETS_PATH
    return SwaggerRenderPlugin(
        path=DOCS_PATH,
        js_url=f"{assets}/swagger-ui-bundle.js",
        css_url=f"{assets}/swagger-ui.css",
        standalone_preset_js_url=f"{assets}/swagger-ui-standalone-preset.js",
        favicon=f'<link rel="icon" type="image/png" href="{assets}/favicon-32x32.png">',
    )


def docs_assets_router() -> Router:
    """Static route for the renderer's files (public, like the page itself)."""
    return create_static_files_router(
        path=ASSETS_PATH,
        directories=[str(swagger_ui_path)],
        include_in_schema=False,
        name="docs-assets",
    )
