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
# fixtures are found by relative path. It is named after its top folder under tests/ and its
# file: tests/runtime/pod/oci_spec_test.cc is runtime_oci_spec_test.
function(deshim_test source)
  cmake_parse_arguments(ARG "" "LABEL;TIMEOUT" "DEPENDS" ${ARGN})
  get_filename_component(test_name ${source} NAME_WE)
  file(RELATIVE_PATH folder ${PROJECT_SOURCE_DIR}/tests ${source})
  string(REGEX REPLACE "/.*" "" folder ${folder})
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

# deshim_embed_files(TARGET target NAME symbol BASE dir FILES f...): compiles the files into
# `target` as `deshim::embedded::<symbol>()`, a list of {path relative to BASE, content}
# (declared in common/embedded_files.h). Data such as rules/*.yaml ships inside the binary.
function(deshim_embed_files)
  cmake_parse_arguments(ARG "" "TARGET;NAME;BASE" "FILES" ${ARGN})
  set(output ${CMAKE_CURRENT_BINARY_DIR}/embedded_${ARG_NAME}.cc)
  add_custom_command(
    OUTPUT ${output}
    COMMAND ${CMAKE_COMMAND} -DOUTPUT=${output} -DNAME=${ARG_NAME} -DBASE=${ARG_BASE}
            "-DFILES=${ARG_FILES}" -P ${PROJECT_SOURCE_DIR}/cmake/embed_files.cmake
    DEPENDS ${ARG_FILES} ${PROJECT_SOURCE_DIR}/cmake/embed_files.cmake
    COMMENT "Embedding ${ARG_NAME}"
    VERBATIM)
  target_sources(${ARG_TARGET} PRIVATE ${output})
endfunction()
