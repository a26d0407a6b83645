# cpack -G DEB: one package with the program, both libraries, headers, CMake and pkg-config files,
# our schemas, the Swedish catalogue, man pages, bash completion and the systemd unit. The
# standards' XSDs (component standard-schemas) stay out: they are other projects' files.
set(CPACK_PACKAGE_NAME ltsign)
set(CPACK_PACKAGE_VENDOR "ltsign")
set(CPACK_PACKAGE_CONTACT "ltsign maintainers <ltsign@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
  "long-term archival signatures: CAdES, XAdES, PAdES, ASiC, time-stamps, evidence records")
set(CPACK_PACKAGE_DESCRIPTION
  "ltsign signs, seals, verifies and renews signatures, RFC 3161 time-stamps and RFC 4998/6283
evidence records so that archives can prove for decades what they keep. Command-line tool,
C++ and C libraries, Swedish and English messages.")
set(CPACK_PACKAGE_VERSION "${PROJECT_VERSION}")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_GENERATOR DEB)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_GROUPING ALL_COMPONENTS_IN_ONE)
set(CPACK_COMPONENTS_ALL ltsign)
set(CPACK_DEBIAN_PACKAGE_SECTION utils)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
# The run-time dependencies, from the libraries the binaries link (dpkg-shlibdeps).
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS ON)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_STRIP_FILES ON)
include(CPack)
