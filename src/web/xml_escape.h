// web/xml_escape.h — text made safe for XML 1.0 documents (the RSS and Atom feeds).
//
// Pure functions over the standard library (and core/utf8.h). Thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace paperboy::web {

// `text` as XML character data or an attribute value (either quote): & < > " ' become entity
// references; characters XML 1.0 does not allow (C0 controls other than tab, line feed and
// carriage return; U+FFFE and U+FFFF) are dropped; an invalid UTF-8 byte becomes U+FFFD. The
// result is always well-formed text, whatever `text` held.
std::string xml_escape(std::string_view text);

}  // namespace paperboy::web
