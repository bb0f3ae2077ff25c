// tests/support/controlled_embedder.h — an Embedder whose vectors the test chooses: each text
// it is told about embeds to the (normalised) vector given for it, any other text to a zero
// row. For tests of what is done with vectors (recommendations, semantic alerts), where a
// real model would make the expected neighbours a matter of its weights.
#pragma once

#include <cmath>
#include <map>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include "embed/embedder.h"

namespace paperboy::testing {

class ControlledEmbedder final : public embed::Embedder {
  public:
    explicit ControlledEmbedder(int dimensions, std::string identity = "static:controlled:0001") {
        info_.kind = "static";
        info_.name = "controlled";
        info_.identity = std::move(identity);
        info_.dimensions = dimensions;
    }

    // `text` embeds to `vector` (normalised) from now on.
    void set(const std::string& text, std::vector<float> vector) {
        std::lock_guard lock(mutex_);
        vectors_[text] = normalised(std::move(vector));
    }

    // The vector as stored for papers: `vector` at unit length.
    static std::vector<float> normalised(std::vector<float> vector) {
        double sum = 0;
        for (float x : vector) sum += static_cast<double>(x) * x;
        const double n = std::sqrt(sum);
        if (n > 0) {
            for (float& x : vector) x = static_cast<float>(x / n);
        }
        return vector;
    }

    const embed::ModelInfo& info() const override { return info_; }

    Result<std::vector<float>> embed(std::span<const std::string> texts, embed::Purpose) override {
        std::lock_guard lock(mutex_);
        std::vector<float> out;
        for (const std::string& text : texts) {
            auto it = vectors_.find(text);
            if (it == vectors_.end()) {
                out.insert(out.end(), static_cast<size_t>(info_.dimensions), 0.0f);
            } else {
                out.insert(out.end(), it->second.begin(), it->second.end());
            }
            ++embedded_;
        }
        return out;
    }

    int embedded() const {
        std::lock_guard lock(mutex_);
        return embedded_;
    }

  private:
    embed::ModelInfo info_;
    mutable std::mutex mutex_;
    std::map<std::string, std::vector<float>> vectors_;
    int embedded_ = 0;
};

}  // namespace paperboy::testing
