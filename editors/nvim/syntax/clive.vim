" A minimal syntax file for clive (docs/language.md). The language server's
" semantic tokens, where the client uses them, refine it.
if exists('b:current_syntax') | finish | endif

syn keyword cliveKeyword import as type enum val fn if else when for in
syn keyword cliveConstant true false null
syn keyword cliveType Int Float Bool String Path Size Duration List Map ref
syn match cliveAnnotation "@\h\w*"
syn match cliveNumber "\<\d[0-9_]*\%(\.\d\+\)\=\%([eE][-+]\=\d\+\)\=\>"
" Quantities: 16.GB, 512.MiB, 1.5.GB, 30.s, 5.min
syn match cliveQuantity "\<\d[0-9_]*\%(\.\d\+\)\=\.\%([KMGTP]i\=B\|B\|ms\|s\|min\|h\|d\)\>"
syn match cliveTypeName "\<\u\w*\>"
syn region cliveInterpolation matchgroup=cliveInterpolationDelim start="\${" end="}" contained contains=TOP
syn match cliveEscape "\\[\"\\nrt0$]" contained
syn region cliveString start=+"+ skip=+\\\\\|\\"+ end=+"+ contains=cliveEscape,cliveInterpolation
syn match cliveDocComment "///.*$" contains=@Spell
syn match cliveComment "//\%([^/].*\)\=$" contains=@Spell
syn region cliveBlockComment start="/\*" end="\*/" contains=@Spell

hi def link cliveKeyword Keyword
hi def link cliveConstant Constant
hi def link cliveType Type
hi def link cliveTypeName Type
hi def link cliveAnnotation PreProc
hi def link cliveNumber Number
hi def link cliveQuantity Number
hi def link cliveString String
hi def link cliveEscape SpecialChar
hi def link cliveInterpolationDelim Delimiter
hi def link cliveDocComment SpecialComment
hi def link cliveComment Comment
hi def link cliveBlockComment Comment

let b:current_syntax = 'clive'
