# Installation layout. libssl.so.3 goes to a PRIVATE directory
# (<prefix>/lib/shimssl): installed into <prefix>/lib it would shadow the
# system's OpenSSL libssl for every program on the machine. Programs opt in,
# by LD_PRELOAD (packaging/shimssl-run) or by linking with
# `pkg-config --libs shimssl`, which adds an rpath to the private directory.
set(SHIMSSL_INSTALL_PRIVATE_LIBDIR "lib/shimssl" CACHE STRING "private directory for libssl.so.3, relative to the prefix")
set(SHIMSSL_INSTALL_PKGCONFIGDIR "lib/pkgconfig" CACHE STRING "directory for shimssl.pc, relative to the prefix")
set(SHIMSSL_INSTALL_INCLUDEDIR "include/shimssl" CACHE STRING "our openssl/ headers go below this")

install(TARGETS ssl
  LIBRARY DESTINATION ${SHIMSSL_INSTALL_PRIVATE_LIBDIR})

install(DIRECTORY ${CMAKE_SOURCE_DIR}/include/openssl
  DESTINATION ${SHIMSSL_INSTALL_INCLUDEDIR}
  FILES_MATCHING PATTERN "*.h")

install(PROGRAMS ${CMAKE_SOURCE_DIR}/packaging/shimssl-run DESTINATION bin)

# The .pc file is written at install time so it names the prefix actually
# used (`cmake --install --prefix X` differs from the configure-time one).
# DESTDIR staging (for the .deb) keeps the final prefix in the file.
install(CODE "
  set(SHIMSSL_PC_PREFIX \"\${CMAKE_INSTALL_PREFIX}\")
  set(SHIMSSL_PC_LIBDIR \"\${CMAKE_INSTALL_PREFIX}/${SHIMSSL_INSTALL_PRIVATE_LIBDIR}\")
  set(SHIMSSL_PC_INCLUDEDIR \"\${CMAKE_INSTALL_PREFIX}/${SHIMSSL_INSTALL_INCLUDEDIR}\")
  set(SHIMSSL_PC_VERSION \"${PROJECT_VERSION}\")
  configure_file(\"${CMAKE_SOURCE_DIR}/packaging/shimssl.pc.in\"
    \"\$ENV{DESTDIR}\${CMAKE_INSTALL_PREFIX}/${SHIMSSL_INSTALL_PKGCONFIGDIR}/shimssl.pc\" @ONLY)
  message(STATUS \"Installing: \$ENV{DESTDIR}\${CMAKE_INSTALL_PREFIX}/${SHIMSSL_INSTALL_PKGCONFIGDIR}/shimssl.pc\")
")
