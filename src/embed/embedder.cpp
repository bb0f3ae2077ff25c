#include "embed/embedder.h"

#include <filesystem>

#include "embed/bert_model.h"
#include "embed/model_folder.h"
#include "embed/openai_client.h"
#include "embed/static_model.h"

namespace paperboy::embed {

Result<std::unique_ptr<Embedder>> open_embedder(std::string_view spec,
                                                const EmbedderOptions& options) {
    if (spec.starts_with("http://") || spec.starts_with("https://")) {
        return open_openai_embedder(spec, options);
    }
    const std::string dir(spec);
    Result<ModelFolderDescription> description = describe_model_folder(dir);
    if (!description.ok()) return description.error();
    if (description->kind == "static") {
        Result<std::unique_ptr<StaticModel>> model = StaticModel::open(dir);
        if (!model.ok()) return model.error();
        return std::unique_ptr<Embedder>(std::move(model).value());
    }
    if (description->kind == "bert") {
        Result<std::unique_ptr<BertModel>> model = BertModel::open(dir, options);
        if (!model.ok()) return model.error();
        return std::unique_ptr<Embedder>(std::move(model).value());
    }
    std::string why = dir + ": not a model folder";
    if (!description->problems.empty()) why += " (" + description->problems.front() + ")";
    return Error(ErrorCode::kInvalidArgument, why);
}

std::string paper_text(std::string_view title, std::string_view abstract) {
    std::string text;
    text.reserve(title.size() + abstract.size() + 2);
    text.append(title);
    if (!title.empty() && !abstract.empty()) text.append(". ");
    text.append(abstract);
    return text;
}

}  // namespace paperboy::embed
