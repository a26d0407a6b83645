#include "ltsign/inspect.hpp"

#include "cms/cms_signature.hpp"

namespace ltsign {

Inspection inspect_file(const std::filesystem::path& file) {
    const core::Bytes bytes = core::read_file(file, core::k_max_signature_file);
    if (bytes.empty()) throw Error(Errc::malformed_input, file.string() + ": the file is empty");
    if (!cms::looks_like_cms(bytes)) {
        throw Error(Errc::malformed_input,
                    file.string() + ": not a signature ltsign recognises (expected CMS/CAdES)");
    }
    auto cms_info = cms::parse_signed_data(bytes, file.string());
    return Inspection{file, "cades", cms::inspect_fields(cms_info.get())};
}

}  // namespace ltsign
