# deshim_library(NAME SOURCES... [DEPENDS targets...]): a static library under src/ whose
# public headers are included as "<folder>/<file>.h".
function(deshim_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPENDS" ${ARGN})
  add_library(${name} STATIC ${ARG_SOURCES})
  target_include_directories(${name} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(${name} PUBLIC ${ARG_DEPENDS})
endfunction()

# deshim_test(path/to/name_test.cc LABEL unit|integration [DEPENDS targets...]): one GoogleTest
# executable per test file, registered with CTest under its label, run from the source tree so
# fixtures are found by relative path.
function(deshim_test source)
  cmake_parse_arguments(ARG "" "LABEL;TIMEOUT" "DEPENDS" ${ARGN})
  get_filename_component(test_name ${source} NAME_WE)
  get_filename_component(folder ${source} DIRECTORY)
  get_filename_component(folder ${folder} NAME)
  set(target ${folder}_${test_name})
  add_executable(${target} ${source})
  target_link_libraries(${target} PRIVATE ${ARG_DEPENDS} GTest::gtest GTest::gmock GTest::gtest_main)
  target_include_directories(${target} PRIVATE ${PROJECT_SOURCE_DIR}/tests)
  target_compile_definitions(${target} PRIVATE
    DESHIM_SOURCE_DIR="${PROJECT_SOURCE_DIR}" DESHIM_BINARY="$<TARGET_FILE:deshim>")
  add_dependencies(${target} deshim)
  add_test(NAME ${target} COMMAND ${target} WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
  if(NOT ARG_LABEL)
    set(ARG_LABEL unit)
  endif()
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 300)
  endif()
  set_tests_properties(${target} PROPERTIES LABELS ${ARG_LABEL} TIMEOUT ${ARG_TIMEOUT})
endfunction()
