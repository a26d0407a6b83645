// Raising the level of an existing signature without touching what was signed.
#include "ltsign/sign.hpp"
#include "ops/formats.hpp"
#include "ops/services.hpp"

namespace ltsign {

SignedObject extend_signature(const std::filesystem::path& signature, Level level,
                              const TsaClient& tsa) {
    if (level != Level::t) throw Error(Errc::usage, "only level T is available for extension yet");
    const ops::Input input = ops::read_input(signature);
    const ops::FormatEntry& entry = ops::format_of(input);
    if (entry.extend == nullptr) {
        throw Error(Errc::malformed_input, input.what + ": " + std::string(entry.description) +
                                               " holds no signature that can be extended");
    }
    return ops::signed_object(entry.extend(input, tsa), std::string(entry.extension));
}

}  // namespace ltsign
