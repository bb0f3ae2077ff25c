#include "embed/embedder.h"

namespace paperboy::embed {

std::string paper_text(std::string_view title, std::string_view abstract) {
    std::string text;
    text.reserve(title.size() + abstract.size() + 2);
    text.append(title);
    if (!title.empty() && !abstract.empty()) text.append(". ");
    text.append(abstract);
    return text;
}

}  // namespace paperboy::embed
