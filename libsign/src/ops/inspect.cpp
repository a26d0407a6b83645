// A look inside a signature file, as the format registry reads it.
#include "ltsign/inspect.hpp"

#include "ops/formats.hpp"

namespace ltsign {

Inspection inspect_file(const std::filesystem::path& file) {
    const ops::Input input = ops::read_input(file);
    const ops::FormatEntry& entry = ops::format_of(input);
    if (entry.inspect == nullptr) {
        throw Error(Errc::malformed_input,
                    input.what + ": " + std::string(entry.description) +
                        "; inspect shows signatures and time-stamps, verify checks records");
    }
    return entry.inspect(input);
}

}  // namespace ltsign
