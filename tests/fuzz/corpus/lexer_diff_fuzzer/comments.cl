/// A type.
/// Two lines.
type T { /// field
  x: Int // trailing
}
//// four slashes
/**/ /***/ /*/ */ /* a */ b */
/* multi
   line 😀 */ val x = 1 ///* doc */
//* line
/* unterminated
