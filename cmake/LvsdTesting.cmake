# lvsd_add_test(NAME name LABEL unit|netns|kernel SOURCES ... LIBS ...)
#
# unit and netns tests are discovered by ctest (one ctest test per gtest case).
# kernel tests are not run by ctest directly: they need IPVS, which only the
# user-mode-linux kernel has. tests/kernel collects them and runs them all in
# one UML boot (ctest -L kernel).
include(GoogleTest)
set_property(GLOBAL PROPERTY LVSD_KERNEL_TESTS "")

function(lvsd_add_test)
  cmake_parse_arguments(T "" "NAME;LABEL" "SOURCES;LIBS" ${ARGN})
  if(NOT T_LABEL MATCHES "^(unit|netns|kernel)$")
    message(FATAL_ERROR "lvsd_add_test(${T_NAME}): LABEL must be unit, netns or kernel")
  endif()
  add_executable(${T_NAME} ${T_SOURCES})
  target_link_libraries(${T_NAME} PRIVATE ${T_LIBS} GTest::gtest GTest::gmock GTest::gtest_main)
  if(T_LABEL STREQUAL "kernel")
    set_property(GLOBAL APPEND PROPERTY LVSD_KERNEL_TESTS ${T_NAME})
  else()
    gtest_discover_tests(${T_NAME}
      TEST_PREFIX "${T_LABEL}."
      PROPERTIES LABELS ${T_LABEL}
      DISCOVERY_TIMEOUT 30)
  endif()
endfunction()
