" clive files: every module is a clive.cl; other *.cl files are checked alone.
" `set filetype` rather than `setfiletype`: Vim's own rules already claim *.cl
" for Lisp.
autocmd BufRead,BufNewFile clive.cl,*.cl set filetype=clive
