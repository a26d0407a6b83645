// The language of the sentences ltsign writes for people: text reports, verdict explanations,
// notes and error messages. JSON field names, codes and indications never change with it.
// English is the default; Swedish comes from a gettext catalogue (po/sv.po, compiled with msgfmt
// and installed as share/locale/sv/LC_MESSAGES/ltsign.mo; docs/architecture.md, Languages).
#pragma once

#include "ltsign/export.hpp"

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

namespace ltsign {

enum class Language { en, sv };

// Process-wide, like a locale: set it once, before work starts on other threads. A language
// whose catalogue cannot be found falls back to English (catalogue_found() says so).
LTSIGN_API void set_language(Language language);
LTSIGN_API Language language() noexcept;
LTSIGN_API bool catalogue_found();

// "sv", "sv_SE", "sv_SE.UTF-8", "sv-SE", "swedish" -> sv; "en", "C", "POSIX", "en_GB.UTF-8" -> en;
// nullopt for a language ltsign does not speak.
LTSIGN_API std::optional<Language> language_from_string(std::string_view name) noexcept;
// The language the POSIX environment asks for: the first of LC_ALL, LC_MESSAGES, LANG that is set
// and not empty decides (GNU LANGUAGE, a list, is read first when the decision is not C/POSIX);
// a language ltsign does not speak gives English.
LTSIGN_API Language language_from_environment();

// `english` in the current language: the catalogue's text, or `english` itself when there is
// none. trf also replaces {0}, {1}, ... with `args` (translations may reorder them).
LTSIGN_API std::string tr(std::string_view english);
LTSIGN_API std::string trf(std::string_view english, std::initializer_list<std::string_view> args);

}  // namespace ltsign
