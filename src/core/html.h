// core/html.h — escaping text for HTML, shared by search snippets, feeds and mail bodies.
#pragma once

#include <string>
#include <string_view>

namespace paperboy {

// Appends `text` escaped for HTML element content and double- or single-quoted attribute
// values: & < > " ' become &amp; &lt; &gt; &quot; &#39; (&#39; rather than &apos;, which
// HTML 4 mail clients do not know). Other bytes are copied as they are.
void append_html_escaped(std::string& out, std::string_view text);

std::string html_escape(std::string_view text);

}  // namespace paperboy
