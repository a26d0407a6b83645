#include "core/file_list.hpp"

#include <algorithm>

#include "ltsign/error.hpp"

namespace ltsign::core {
namespace fs = std::filesystem;

std::vector<ListedFile> list_files(const std::vector<fs::path>& inputs,
                                   const std::function<bool(const fs::path&)>& wanted,
                                   bool missing_is_error) {
    std::vector<ListedFile> out;
    for (const auto& in : inputs) {
        std::error_code ec;
        if (fs::is_directory(in, ec)) {
            std::vector<ListedFile> found;
            for (auto it = fs::recursive_directory_iterator(in, ec);
                 !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
                if (it->is_regular_file() && wanted(it->path()))
                    found.push_back({it->path(), fs::relative(it->path(), in)});
            }
            if (ec)
                throw Error(Errc::io, in.string() + ": cannot read the folder: " + ec.message());
            std::sort(found.begin(), found.end(), [](const ListedFile& a, const ListedFile& b) {
                return a.relative < b.relative;
            });
            out.insert(out.end(), found.begin(), found.end());
        } else if (!missing_is_error || fs::is_regular_file(in, ec)) {
            out.push_back({in, in.filename()});
        } else {
            throw Error(Errc::input_missing,
                        in.string() + ": no such file or folder; check the path");
        }
    }
    return out;
}

}  // namespace ltsign::core
