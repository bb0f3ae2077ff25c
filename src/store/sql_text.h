// store/sql_text.h — SQL statement text assembled at compile time, for both backends.
//
// Each backend names its statements in an enum and gives their text in one constexpr switch
// (sqlite/queries.h, postgres/queries.h), so that the compiler checks that every statement has
// text. Column lists that several statements share are SqlPart constants joined into a
// statement by sql<...>:
//
//     constexpr SqlPart kCols = "id, title";
//     case Query::kSelect: return sql<"SELECT ", kCols, " FROM papers WHERE id = $1">;
//
// Only constant text is joined; values are always bound as parameters. Header-only; depends on
// the standard library.
#pragma once

#include <array>
#include <cstddef>
#include <string_view>

namespace paperboy::store {

// A piece of SQL text usable as a template argument: made from a string literal.
template <size_t N>
struct SqlPart {
    char text[N] = {};
    // Filled in by a consteval function (a generated list).
    constexpr SqlPart() = default;
    consteval SqlPart(const char (&literal)[N]) {  // NOLINT(google-explicit-constructor)
        for (size_t i = 0; i < N; ++i) text[i] = literal[i];
    }
    static constexpr size_t length = N - 1;  // without the terminating NUL
};

namespace detail {

template <SqlPart... Parts>
struct SqlJoined {
    static constexpr size_t length = (Parts.length + ... + 0);
    static constexpr std::array<char, length + 1> build() {
        std::array<char, length + 1> out{};
        size_t at = 0;
        auto append = [&](const auto& part) {
            for (size_t i = 0; i < part.length; ++i) out[at++] = part.text[i];
        };
        (append(Parts), ...);
        return out;
    }
    // NUL-terminated, so that the text can be handed to C APIs as it is.
    static constexpr std::array<char, length + 1> text = build();
};

}  // namespace detail

// The concatenation of Parts, as a string_view of static storage (NUL-terminated).
template <SqlPart... Parts>
inline constexpr std::string_view sql{detail::SqlJoined<Parts...>::text.data(),
                                      detail::SqlJoined<Parts...>::length};

}  // namespace paperboy::store
