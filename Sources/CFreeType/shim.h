#include <ft2build.h>
#include FT_FREETYPE_H

/* FT_LOAD_* are shift-expression macros that Swift does not import; expose the one we use. */
static inline FT_Int32 cft_load_render_flags(void) { return FT_LOAD_RENDER; }
