// store/settings.h — instance-wide settings.
#pragma once

#include <string>
#include <string_view>

#include "core/result.h"

namespace paperboy::store {

// What every process of an instance must agree on: its secrets.
class Settings {
  public:
    virtual ~Settings() = default;

    // The instance secret called `name`; `generated` is stored and returned when there is none
    // yet (first caller wins, so every process of an instance agrees).
    virtual Result<std::string> instance_secret(std::string_view name,
                                                std::string_view generated) = 0;
};

}  // namespace paperboy::store
