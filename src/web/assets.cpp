#include "web/assets.h"

#include <algorithm>
#include <cstdio>
#include <functional>

namespace paperboy::web {

std::optional<std::string_view> asset(std::string_view name) {
    const auto& assets = embedded_assets();
    auto it =
        std::lower_bound(assets.begin(), assets.end(), name,
                         [](const auto& entry, std::string_view n) { return entry.first < n; });
    if (it == assets.end() || it->first != name) return std::nullopt;
    return it->second;
}

std::string asset_version(std::string_view name) {
    const auto content = asset(name);
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016zx", std::hash<std::string_view>{}(content.value_or("")));
    return std::string(buf, 10);
}

}  // namespace paperboy::web
