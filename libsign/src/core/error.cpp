#include "ltsign/error.hpp"

namespace ltsign {

Error::Error(Errc code, std::string message, std::vector<std::string> causes, Remedy remedy)
    : std::runtime_error(std::move(message)),
      m_code(code),
      m_causes(std::move(causes)),
      m_remedy(remedy) {}

Error::Error(Errc code, std::string message, Remedy remedy)
    : Error(code, std::move(message), {}, remedy) {}

}  // namespace ltsign
