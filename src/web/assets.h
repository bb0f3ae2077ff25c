// web/assets.h — the templates, stylesheet and script, compiled into the binary
// (cmake/embed_assets.cmake), so that `paperboy serve` is one file with nothing to install.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace paperboy::web {

// Every file under src/web/assets as (path relative to it, content), sorted by path.
const std::vector<std::pair<std::string_view, std::string_view>>& embedded_assets();

// The content of asset `name` ("templates/daily.html", "static/style.css").
std::optional<std::string_view> asset(std::string_view name);

// A short content hash of asset `name`, for cache-busting URLs (/static/style.css?v=HASH).
std::string asset_version(std::string_view name);

}  // namespace paperboy::web
