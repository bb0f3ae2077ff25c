#include "core/user.h"

namespace paperboy {

std::string_view role_name(Role role) {
    switch (role) {
        case Role::kAdmin:
            return "admin";
        case Role::kCurator:
            return "curator";
        case Role::kMember:
            break;
    }
    return "member";
}

std::optional<Role> parse_role(std::string_view name) {
    for (Role role : {Role::kMember, Role::kCurator, Role::kAdmin}) {
        if (role_name(role) == name) return role;
    }
    return std::nullopt;
}

}  // namespace paperboy
