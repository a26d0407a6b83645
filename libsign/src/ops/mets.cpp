// E-ARK CSIP package checks: every file and metadata reference the METS lists, against the
// checksum it lists, and every file the package holds, against the lists.
#include "ops/mets.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <cctype>
#include <deque>
#include <map>
#include <set>

#include "core/file_io.hpp"
#include "core/file_list.hpp"
#include "core/text.hpp"
#include "crypto/digests.hpp"
#include "crypto/ossl.hpp"
#include "ltsign/language.hpp"
#include "xml/xml_doc.hpp"

namespace ltsign::ops {
namespace fs = std::filesystem;
namespace {

constexpr const char* k_mets_ns = "http://www.loc.gov/METS/";
constexpr const char* k_xlink_ns = "http://www.w3.org/1999/xlink";
constexpr const char* k_root_mets = "METS.xml";

std::string ns_attribute(xmlNode* node, const char* name, const char* ns) {
    xml::Ptr<xmlChar> value(xmlGetNsProp(node, reinterpret_cast<const xmlChar*>(name),
                                         reinterpret_cast<const xmlChar*>(ns)));
    return value ? std::string(reinterpret_cast<const char*>(value.get())) : std::string();
}

bool is_mets(xmlNode* node, const char* name) {
    return node->type == XML_ELEMENT_NODE && node->ns != nullptr &&
           xmlStrEqual(node->ns->href, reinterpret_cast<const xmlChar*>(k_mets_ns)) &&
           xmlStrEqual(node->name, reinterpret_cast<const xmlChar*>(name));
}

std::string percent_decoded(const std::string& text) {
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '%' && i + 2 < text.size() && std::isxdigit(text[i + 1]) &&
            std::isxdigit(text[i + 2])) {
            out.push_back(static_cast<char>(std::stoi(text.substr(i + 1, 2), nullptr, 16)));
            i += 2;
        } else {
            out.push_back(text[i]);
        }
    }
    return out;
}

// CSIP hrefs are relative paths (LOCTYPE URL, "representations/rep1/data/a.pdf", often with a
// leading "./" or "file:"). Anything that would leave the package, or reach the network, names
// no file of it: `problem` says why.
std::string resolve_href(const std::string& href, const std::string& folder, std::string& problem) {
    std::string path = href;
    if (path.starts_with("file:") && !path.starts_with("file://")) path = path.substr(5);
    path = percent_decoded(path);
    if (path.empty()) {
        problem = tr("an empty xlink:href");
        return {};
    }
    if (path.find("://") != std::string::npos || path.front() == '/' ||
        path.find('\\') != std::string::npos || path.find('\0') != std::string::npos) {
        problem = trf("xlink:href {0} is not a path inside the package", {core::printable(href)});
        return {};
    }
    fs::path joined = fs::path(folder) / path;
    fs::path normal = joined.lexically_normal();
    for (const auto& part : normal) {
        if (part == "..") {
            problem = trf("xlink:href {0} leads outside the package", {core::printable(href)});
            return {};
        }
    }
    return normal.generic_string();
}

MetsEntry entry_of(xmlNode* node, xmlNode* locator, const std::string& folder) {
    MetsEntry e;
    e.element = reinterpret_cast<const char*>(node->name);
    e.checksum_type = xml::attribute(node, "CHECKSUMTYPE");
    e.checksum = xml::attribute(node, "CHECKSUM");
    std::transform(e.checksum.begin(), e.checksum.end(), e.checksum.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    const std::string href = locator ? ns_attribute(locator, "href", k_xlink_ns) : "";
    e.href = resolve_href(href, folder, e.problem);
    if (!e.problem.empty()) e.href = core::printable(href);
    return e;
}

void collect(xmlNode* node, const std::string& folder, MetsDocument& out) {
    for (xmlNode* n = node; n != nullptr; n = n->next) {
        if (is_mets(n, "file")) {
            // CSIP 71: each file's location is its mets:FLocat (the first; CSIP allows one).
            xmlNode* locator = nullptr;
            for (xmlNode* c = n->children; c != nullptr && !locator; c = c->next)
                if (is_mets(c, "FLocat")) locator = c;
            out.entries.push_back(entry_of(n, locator, folder));
        } else if (is_mets(n, "mdRef")) {
            out.entries.push_back(entry_of(n, n, folder));
        }
        if (n->type == XML_ELEMENT_NODE) collect(n->children, folder, out);
    }
}

// The digest a CHECKSUMTYPE names (METS's enumeration), and whether it is one that still
// protects against a forger (SHA-2) or only against accidents (SHA-1, MD5).
struct ChecksumKind {
    const EVP_MD* md = nullptr;
    bool weak = false;
};
ChecksumKind checksum_kind(const std::string& type) {
    if (type == "SHA-256") return {EVP_sha256(), false};
    if (type == "SHA-384") return {EVP_sha384(), false};
    if (type == "SHA-512") return {EVP_sha512(), false};
    if (type == "SHA-1") return {EVP_sha1(), true};
    if (type == "MD5") return {EVP_md5(), true};
    return {};
}

std::string name_of(const fs::path& relative) {
    return core::printable(relative.lexically_normal().generic_string());
}

void check_entry(const fs::path& root, const MetsEntry& e, PackageCheck& check) {
    using Kind = PackageProblem::Kind;
    if (!e.problem.empty()) {
        check.problems.push_back({Kind::bad_reference, e.href, e.problem});
        return;
    }
    const fs::path file = root / fs::path(e.href);
    std::error_code ec;
    if (!fs::is_regular_file(fs::symlink_status(file, ec))) {
        check.problems.push_back({Kind::missing, e.href,
                                  trf("listed by a METS {0} but not in the package", {e.element})});
        return;
    }
    const auto kind = checksum_kind(e.checksum_type);
    if (e.checksum.empty() || kind.md == nullptr) {
        check.problems.push_back(
            {Kind::no_checksum, e.href,
             e.checksum.empty()
                 ? tr("listed without CHECKSUM (CSIP requires one)")
                 : trf("CHECKSUMTYPE {0} is not one ltsign computes (SHA-256/384/512, SHA-1, MD5)",
                       {core::printable(e.checksum_type)})});
        return;
    }
    const auto digest = crypto::digest_file(kind.md, file);
    const std::string actual = ossl::to_hex(digest.data(), digest.size());
    if (actual != e.checksum) {
        check.problems.push_back({Kind::checksum_mismatch, e.href,
                                  trf("{0} listed {1}, the file's is {2}",
                                      {e.checksum_type, core::printable(e.checksum), actual})});
        return;
    }
    if (kind.weak) {
        check.problems.push_back({Kind::weak_checksum, e.href,
                                  trf("{0} matches, but proves nothing against deliberate "
                                      "change; ask the producer for SHA-256",
                                      {e.checksum_type})});
        return;
    }
    ++check.verified;
}

}  // namespace

MetsDocument read_mets(const fs::path& file, const std::string& what, const std::string& folder) {
    const core::Bytes bytes = core::read_file(file, core::k_max_signature_file);
    const xml::Doc doc = xml::parse(bytes, what);
    xmlNode* root = xmlDocGetRootElement(doc.get());
    if (root == nullptr || !is_mets(root, "mets")) {
        throw Error(Errc::malformed_input,
                    trf("{0} is not a METS document (its root is not mets:mets in {1})",
                        {what, k_mets_ns}));
    }
    MetsDocument out;
    out.objid = xml::attribute(root, "OBJID");
    collect(root->children, folder, out);
    return out;
}

PackageCheck check_package(const fs::path& root, std::vector<std::string>& exempt,
                           const std::function<void(std::size_t, std::size_t)>& progress) {
    PackageCheck check;
    check.is_package = true;
    std::deque<std::string> pending{k_root_mets};
    std::set<std::string> mets_seen{k_root_mets};
    std::vector<MetsEntry> entries;
    while (!pending.empty()) {
        const std::string rel = pending.front();
        pending.pop_front();
        const std::string folder = fs::path(rel).parent_path().generic_string();
        const auto doc = read_mets(root / fs::path(rel), core::printable(rel), folder);
        if (rel == k_root_mets) check.mets_id = doc.objid;
        for (const auto& e : doc.entries) {
            // A representation's own METS.xml (CSIP: listed by the root METS) lists its files.
            if (e.problem.empty() && fs::path(e.href).filename() == k_root_mets &&
                mets_seen.insert(e.href).second && mets_seen.size() < 10'000) {
                std::error_code ec;
                if (fs::is_regular_file(root / fs::path(e.href), ec)) pending.push_back(e.href);
            }
            entries.push_back(e);
        }
    }
    check.listed = entries.size();
    std::set<std::string> listed(mets_seen.begin(), mets_seen.end());
    for (const auto& e : entries) {
        if (e.problem.empty()) listed.insert(e.href);
        if (e.element == "mdRef") exempt.push_back(e.href);
    }
    for (const auto& m : mets_seen) exempt.push_back(m);

    core::ListOptions list;
    list.missing_is_error = false;
    const auto files = core::list_files({root}, list);
    const std::size_t total = entries.size() + files.size();
    std::size_t done = 0;
    for (const auto& e : entries) {
        check_entry(root, e, check);
        if (progress) progress(++done, total);
    }
    for (const auto& f : files) {
        const std::string name = name_of(f.relative);
        if (name.starts_with("schemas/")) exempt.push_back(name);
        if (!listed.contains(name)) {
            check.problems.push_back({PackageProblem::Kind::unlisted, name,
                                      tr("in the package but listed by no METS fileSec or mdRef")});
        }
        if (progress) progress(++done, total);
    }
    std::sort(exempt.begin(), exempt.end());
    exempt.erase(std::unique(exempt.begin(), exempt.end()), exempt.end());
    std::stable_sort(check.problems.begin(), check.problems.end(),
                     [](const auto& a, const auto& b) { return a.path < b.path; });
    return check;
}

}  // namespace ltsign::ops
