#include "core/file_list.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <map>
#include <set>

#include "core/text.hpp"
#include "ltsign/error.hpp"
#include "ltsign/language.hpp"

namespace ltsign::core {
namespace fs = std::filesystem;

std::string unreadable_reason(const fs::path& p) {
    std::error_code ec;
    const auto link = fs::symlink_status(p, ec);
    if (!ec && fs::is_symlink(link)) {
        struct stat st {};
        if (::stat(p.c_str(), &st) != 0 && errno == ELOOP)
            return tr("a symbolic link that loops; remove or fix the link");
        return tr("a symbolic link that points to nothing; remove or fix the link");
    }
    if (!ec && fs::exists(link)) return tr("not a regular file");
    return tr("no such file or folder; check the path");
}

namespace {

bool is_temporary_name(const fs::path& p) {
    const std::string name = p.filename().string();
    return name.starts_with('.') && name.find(".ltsign-") != std::string::npos;
}

bool same_file(const fs::path& a, const fs::path& b) {
    std::error_code ec;
    return fs::equivalent(a, b, ec);
}

// `root` relative to `out_dir` when root lies at or below it (compared by the folders'
// identity, so "./x", "x/" and a linked path all agree); empty otherwise.
std::optional<fs::path> below(const fs::path& root, const fs::path& out_dir) {
    std::error_code ec;
    if (!fs::is_directory(out_dir, ec)) return std::nullopt;
    fs::path p = fs::weakly_canonical(fs::absolute(root, ec), ec);
    if (ec) return std::nullopt;
    fs::path rel;
    for (;;) {
        if (same_file(p, out_dir)) return rel.empty() ? fs::path(".") : rel;
        if (!p.has_relative_path()) return std::nullopt;
        rel = rel.empty() ? p.filename() : p.filename() / rel;
        p = p.parent_path();
    }
}

}  // namespace

void refuse_link(const fs::path& target) {
    std::error_code ec;
    if (fs::is_symlink(fs::symlink_status(target, ec))) {
        throw Error(Errc::cannot_create_output,
                    trf("{0} is a symbolic link; ltsign never writes through links: remove it or "
                        "choose another output",
                        {printable(target)}));
    }
}

std::vector<ListedFile> list_files(const std::vector<fs::path>& inputs,
                                   const ListOptions& options) {
    std::vector<ListedFile> out;
    for (const auto& in : inputs) {
        std::error_code ec;
        if (!fs::is_directory(in, ec)) {
            if (fs::is_regular_file(in, ec) || !options.missing_is_error) {
                out.push_back({in, in.filename()});
                continue;
            }
            throw Error(Errc::input_missing, printable(in) + ": " + unreadable_reason(in));
        }
        const auto out_rel =
            options.output_dir ? below(in, *options.output_dir) : std::optional<fs::path>();
        std::vector<ListedFile> found;
        for (auto it = fs::recursive_directory_iterator(in, ec);
             !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
            const fs::path& path = it->path();
            // The entry's type as the folder listing gave it (no system call unless the
            // filesystem did not say); only links are followed, with a stat of their own.
            std::error_code sec;
            const bool is_link = it->is_symlink(sec);
            if (!is_link && it->is_directory(sec)) {
                // The output folder is never an input, however it is spelled.
                if (options.output_dir && same_file(path, *options.output_dir))
                    it.disable_recursion_pending();
                continue;
            }
            if (is_temporary_name(path)) continue;
            // Lexical: a link keeps its own name, so an output named from it stays inside OUT.
            fs::path relative = path.lexically_relative(in);
            if (out_rel && options.is_output &&
                options.is_output((*out_rel / relative).lexically_normal())) {
                continue;
            }
            if (!is_link && !sec) {
                if (it->is_regular_file(sec) && options.wanted(path))
                    found.push_back({path, std::move(relative)});
                continue;
            }
            const auto status = it->status(sec);
            if (sec || !fs::exists(status)) {
                if (!options.wanted(path)) continue;
                if (options.missing_is_error) {
                    throw Error(Errc::input_missing,
                                printable(path) + ": " + unreadable_reason(path));
                }
                found.push_back({path, std::move(relative)});
                continue;
            }
            if (fs::is_regular_file(status) && options.wanted(path))
                found.push_back({path, std::move(relative)});
        }
        if (ec) {
            throw Error(Errc::io,
                        trf("{0}: cannot read the folder: {1}", {printable(in), ec.message()}));
        }
        std::sort(found.begin(), found.end(),
                  [](const ListedFile& a, const ListedFile& b) { return a.relative < b.relative; });
        out.insert(out.end(), found.begin(), found.end());
    }
    return out;
}

std::vector<ListedFile> list_files(const std::vector<fs::path>& inputs,
                                   const std::function<bool(const fs::path&)>& wanted,
                                   bool missing_is_error) {
    ListOptions options;
    options.wanted = wanted;
    options.missing_is_error = missing_is_error;
    return list_files(inputs, options);
}

std::vector<fs::path> output_paths(const std::vector<ListedFile>& files, const fs::path& out_dir,
                                   const std::string& extension) {
    std::vector<fs::path> outputs;
    std::map<fs::path, std::size_t> taken;
    for (std::size_t i = 0; i < files.size(); ++i) {
        const fs::path relative = files[i].relative.lexically_normal();
        bool inside = !relative.empty() && relative.is_relative();
        for (const auto& part : relative) inside &= part != ".." && part != "." && !part.empty();
        if (!inside) {
            throw Error(Errc::cannot_create_output,
                        trf("{0}: its output would lie outside {1}",
                            {printable(files[i].file), printable(out_dir)}));
        }
        const fs::path target = out_dir / fs::path(relative.native() + extension);
        const auto [at, fresh] = taken.emplace(relative.native() + extension, i);
        if (!fresh) {
            throw Error(
                Errc::usage,
                trf("{0} and {1} would both be written to {2}; nothing was written. Give their "
                    "common folder instead, or process them into separate output folders",
                    {printable(files[at->second].file), printable(files[i].file),
                     printable(target)}));
        }
        outputs.push_back(target);
    }
    refuse_links_below(out_dir, outputs);
    return outputs;
}

void refuse_links_below(const fs::path& out_dir, const std::vector<fs::path>& outputs) {
    // Every folder between out_dir and the output, and the output itself, must not be a link:
    // create_directories and rename would otherwise write wherever it points.
    std::set<fs::path> checked;  // a folder shared by many outputs is looked at once
    for (const auto& target : outputs) {
        fs::path step = out_dir;
        for (const auto& part : target.lexically_relative(out_dir)) {
            step /= part;
            if (checked.insert(step).second) refuse_link(step);
        }
    }
}

}  // namespace ltsign::core
