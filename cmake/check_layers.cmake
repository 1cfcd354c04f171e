# The library arrows, checked on every build: cmake -DROOT=<tree> -P check_layers.cmake
#
# Each folder below is one library. A source may include its own library's headers and those
# of the libraries listed after it, nothing else of the project; and a few system headers
# belong to one library each (SQLite to the db layer, OpenSSL to crypto and the TLS server,
# Beast/Asio to the HTTP service, libzip/expat to the importers, CLI11 to the command line).
# Any other include of the project fails the build, naming the file, the include and the
# arrow it breaks.
# tests/, bench/ and fuzz/ may include anything.
#
# docs/ARCHITECTURE.md describes what each library owns; keep the two in step.
cmake_minimum_required(VERSION 3.25)
if(NOT DEFINED ROOT)
  message(FATAL_ERROR "check_layers: pass -DROOT=<source tree>")
endif()

# library  folder            may include (besides itself)
set(layers
  "base|base|"
  "crypto|crypto|base"
  "domain|registry/domain|crypto,base"
  "rules|registry/rules|domain,base"
  "db|registry/db|domain,base"
  "log|registry/log|db,domain,crypto,base"
  "store|registry/store|log,db,rules,domain,crypto,base"
  "importers|importers|store,log,db,rules,domain,crypto,base"
  "api|api|importers,store,log,db,rules,domain,crypto,base"
  "cli|cli|api,importers,store,log,db,rules,domain,crypto,base")

# system header prefix -> the libraries that may include it
set(system_owners
  "sqlite3.h|db"
  "openssl/|crypto,api"
  "boost/beast|api"
  "boost/asio|api,cli"
  "zip.h|importers"
  "expat.h|importers"
  "CLI/|cli")

foreach(layer IN LISTS layers)
  string(REPLACE "|" ";" parts "${layer}")
  list(GET parts 0 name)
  list(GET parts 1 dir)
  set(folder_${name} "${dir}")
  list(LENGTH parts n)
  set(allowed_${name} "")
  if(n GREATER 2)
    list(GET parts 2 deps)
    string(REPLACE "," ";" deps "${deps}")
    set(allowed_${name} ${deps})
  endif()
  list(APPEND names ${name})
endforeach()

# The library a project path (relative, e.g. "registry/store/claims.hpp") belongs to.
function(owner_of path out)
  set(best "")
  set(best_len 0)
  foreach(name IN LISTS names)
    set(dir "${folder_${name}}")
    string(LENGTH "${dir}/" len)
    string(SUBSTRING "${path}" 0 ${len} head)
    if(head STREQUAL "${dir}/" AND len GREATER best_len)
      set(best ${name})
      set(best_len ${len})
    endif()
  endforeach()
  set(${out} "${best}" PARENT_SCOPE)
endfunction()

set(violations 0)
foreach(name IN LISTS names)
  set(dir "${folder_${name}}")
  file(GLOB_RECURSE sources RELATIVE "${ROOT}" "${ROOT}/${dir}/*.cpp" "${ROOT}/${dir}/*.hpp")
  foreach(src IN LISTS sources)
    owner_of("${src}" src_owner)
    if(NOT src_owner STREQUAL name)
      continue()  # a nested library's file (registry/db inside registry, say)
    endif()
    file(STRINGS "${ROOT}/${src}" lines REGEX "^[ \t]*#[ \t]*include[ \t]*[<\"]")
    foreach(line IN LISTS lines)
      if(line MATCHES "#[ \t]*include[ \t]*\"([^\"]+)\"")
        set(target "${CMAKE_MATCH_1}")
        owner_of("${target}" to)
        if(to STREQUAL "" OR to STREQUAL name)
          continue()
        endif()
        list(FIND allowed_${name} ${to} ok)
        if(ok EQUAL -1)
          list(JOIN allowed_${name} ", " may)
          message(NOTICE "layering: ${src} includes \"${target}\": ${name} may not depend on ${to} (${name} may include: ${may})")
          math(EXPR violations "${violations} + 1")
        endif()
      elseif(line MATCHES "#[ \t]*include[ \t]*<([^>]+)>")
        set(target "${CMAKE_MATCH_1}")
        foreach(entry IN LISTS system_owners)
          string(REPLACE "|" ";" parts "${entry}")
          list(GET parts 0 prefix)
          list(GET parts 1 owners)
          string(REPLACE "," ";" owners "${owners}")
          string(LENGTH "${prefix}" plen)
          string(SUBSTRING "${target}" 0 ${plen} head)
          if(head STREQUAL prefix)
            list(FIND owners ${name} ok)
            if(ok EQUAL -1)
              list(JOIN owners ", " who)
              message(NOTICE "layering: ${src} includes <${target}>, which belongs to ${who} only")
              math(EXPR violations "${violations} + 1")
            endif()
          endif()
        endforeach()
      endif()
    endforeach()
  endforeach()
endforeach()

if(violations GREATER 0)
  message(FATAL_ERROR "layering: ${violations} include(s) against the arrows (cmake/check_layers.cmake)")
endif()
