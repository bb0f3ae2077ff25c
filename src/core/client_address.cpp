#include "core/client_address.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <array>
#include <cstring>

namespace paperboy {

std::string client_group(std::string_view address) {
    if (address.find(':') == std::string_view::npos || address.size() >= INET6_ADDRSTRLEN) {
        return std::string(address);
    }
    std::array<char, INET6_ADDRSTRLEN> text{};
    address.copy(text.data(), address.size());
    in6_addr ip{};
    if (::inet_pton(AF_INET6, text.data(), &ip) != 1) return std::string(address);
    if (IN6_IS_ADDR_V4MAPPED(&ip)) {
        in_addr v4{};
        std::memcpy(&v4, ip.s6_addr + 12, 4);
        if (::inet_ntop(AF_INET, &v4, text.data(), text.size()) == nullptr) {
            return std::string(address);
        }
        return text.data();
    }
    std::memset(ip.s6_addr + 8, 0, 8);
    if (::inet_ntop(AF_INET6, &ip, text.data(), text.size()) == nullptr) {
        return std::string(address);
    }
    return std::string(text.data()) + "/64";
}

}  // namespace paperboy
