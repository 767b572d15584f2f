/* catd-scan-sane.c - the scanner's device layer on SANE
 *
 * Copyright 2026 The CATD Station authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <math.h>
#include <pthread.h>
#include <sane/sane.h>
#include <sane/saneopts.h>
#include <string.h>

#include "catd-scan-backend.h"

/* Everything here runs in the catd-scand helper process (see
 * catd-scan-proxy.c for why), on its one thread.
 *
 * A failed page is not sane_cancel ()'d where it fails: the helper answers
 * the error first. sane_cancel () is where a backend joins its reader
 * thread, and a reader thread cancelled in the wrong place never ends: the
 * station must hear of the jam before that. The station then retires this
 * helper (its exit closes the device, which cancels the page), and kills
 * it if it does not exit.
 *
 * Backends name the same things differently: a feeder is "ADF",
 * "Automatic Document Feeder" or "ADF Front", grey is "Gray" or
 * "Grayscale", and duplex is a source on some devices and a separate
 * option on others. Settings are matched against the values each device
 * offers, exact names first, then by the words in them. */

typedef struct
{
  CatdScanBackend  parent;
  gboolean         initialized;
  SANE_Handle      handle;
  char            *name;
} SaneBackend;

/* The operator's settings, as the values backends use for them. */
static const char *flatbed_names[] = { "Flatbed", "FlatBed", "Normal", "Document Table", "Platen",
                                       NULL };
static const char *adf_names[] = { "ADF", "Automatic Document Feeder", "ADF Front", "ADF Simplex",
                                   "Auto Document Feeder", "Document Feeder", "Feeder",
                                   "Automatic Document Feeder(left aligned)",
                                   "Automatic Document Feeder(centrally aligned)", NULL };
static const char *duplex_names[] = { "ADF Duplex", "Duplex", "Automatic Document Feeder(duplex)",
                                      "Automatic Document Feeder(left aligned,Duplex)",
                                      "Automatic Document Feeder(centrally aligned,Duplex)",
                                      "ADF Front and Back", NULL };
static const char *gray_names[] = { SANE_VALUE_SCAN_MODE_GRAY, "Grayscale", "Gray8", "Grey",
                                    "True Gray", "8-bit Grayscale", NULL };
static const char *color_names[] = { SANE_VALUE_SCAN_MODE_COLOR, "Colour", "24bit Color",
                                     "Color24", "24-bit Color", NULL };

static void
set_status_error (GError      **error,
                  SANE_Status   status,
                  const char   *device,
                  const char   *doing)
{
  CatdScanError code;
  g_autofree char *detail = NULL;

  switch (status)
    {
    case SANE_STATUS_UNSUPPORTED:   code = CATD_SCAN_ERROR_UNSUPPORTED; break;
    case SANE_STATUS_CANCELLED:     code = CATD_SCAN_ERROR_CANCELLED; break;
    case SANE_STATUS_DEVICE_BUSY:   code = CATD_SCAN_ERROR_BUSY; break;
    case SANE_STATUS_JAMMED:        code = CATD_SCAN_ERROR_JAMMED; break;
    case SANE_STATUS_NO_DOCS:       code = CATD_SCAN_ERROR_FEEDER_EMPTY; break;
    case SANE_STATUS_COVER_OPEN:    code = CATD_SCAN_ERROR_COVER_OPEN; break;
    case SANE_STATUS_IO_ERROR:      code = CATD_SCAN_ERROR_IO; break;
    case SANE_STATUS_NO_MEM:        code = CATD_SCAN_ERROR_NO_MEMORY; break;
    case SANE_STATUS_ACCESS_DENIED: code = CATD_SCAN_ERROR_ACCESS_DENIED; break;
    case SANE_STATUS_INVAL:
      /* A value refused while setting up is the caller's; while reading,
       * it is the device failing. */
      code = g_str_has_prefix (doing, "setting") ? CATD_SCAN_ERROR_INVALID : CATD_SCAN_ERROR_FAILED;
      break;
    case SANE_STATUS_EOF:
    case SANE_STATUS_GOOD:
    default:
      code = CATD_SCAN_ERROR_FAILED;
      break;
    }

  detail = g_strdup_printf ("%s: %s", doing, sane_strstatus (status));
  catd_scan_set_error (error, code, device, detail);
}

static void
sane_backend_close (CatdScanBackend *backend)
{
  SaneBackend *self = (SaneBackend *) backend;

  if (self->handle != NULL)
    sane_close (self->handle);
  self->handle = NULL;
  g_clear_pointer (&self->name, g_free);
}

static void
sane_backend_free (CatdScanBackend *backend)
{
  SaneBackend *self = (SaneBackend *) backend;

  /* The handle is closed; sane_exit () is not called: the helper exits
   * right after, and sane_exit () would only unload the backends, leaving
   * what they allocated unattributable to a leak checker. */
  sane_backend_close (backend);
  g_free (self);
}

static gpointer
exit_at_once (gpointer data)
{
  pthread_exit (NULL);
}

/* Backends that read through a thread of their own (sanei_thread: the
 * test backend, pixma, …) end it with pthread_cancel () when a page ends,
 * and the thread may be in pthread_exit () at that moment. The first
 * pthread_exit () of a process loads the unwinder (libgcc_s) with
 * dlopen (), and a thread cancelled inside dlopen () dies holding the
 * dynamic loader's lock: every thread created after that hangs. One
 * thread that exits before SANE starts loads the unwinder once, safely;
 * later exits find it loaded. */
static void
load_thread_unwinder (void)
{
  pthread_t thread;

  if (pthread_create (&thread, NULL, exit_at_once, NULL) == 0)
    pthread_join (thread, NULL);
}

static gboolean
ensure_init (SaneBackend  *self,
             GError      **error)
{
  SANE_Int version = 0;
  SANE_Status status;

  if (self->initialized)
    return TRUE;
  load_thread_unwinder ();
  status = sane_init (&version, NULL);
  if (status != SANE_STATUS_GOOD)
    {
      set_status_error (error, status, NULL, "starting SANE");
      return FALSE;
    }
  g_debug ("SANE %d.%d.%d", SANE_VERSION_MAJOR (version), SANE_VERSION_MINOR (version),
           SANE_VERSION_BUILD (version));
  self->initialized = TRUE;
  return TRUE;
}

static GPtrArray *
sane_backend_list_devices (CatdScanBackend  *backend,
                           GError          **error)
{
  SaneBackend *self = (SaneBackend *) backend;
  const SANE_Device **list = NULL;
  GPtrArray *devices;
  SANE_Status status;

  if (!ensure_init (self, error))
    return NULL;
  status = sane_get_devices (&list, SANE_FALSE);
  if (status != SANE_STATUS_GOOD)
    {
      set_status_error (error, status, NULL, "looking for scanners");
      return NULL;
    }

  devices = g_ptr_array_new_with_free_func ((GDestroyNotify) catd_scan_device_free);
  for (guint i = 0; list[i] != NULL; i++)
    g_ptr_array_add (devices, catd_scan_device_new (list[i]->name, list[i]->vendor,
                                                    list[i]->model, list[i]->type));
  return devices;
}

static gboolean
sane_backend_open (CatdScanBackend  *backend,
                   const char       *name,
                   GError          **error)
{
  SaneBackend *self = (SaneBackend *) backend;
  SANE_Status status;

  sane_backend_close (backend);
  if (!ensure_init (self, error))
    return FALSE;
  status = sane_open (name, &self->handle);
  if (status != SANE_STATUS_GOOD)
    {
      self->handle = NULL;
      /* sane_open () says INVAL for a name it does not know. */
      if (status == SANE_STATUS_INVAL)
        catd_scan_set_error (error, CATD_SCAN_ERROR_DEVICE_GONE, name, NULL);
      else
        set_status_error (error, status, name, "opening the scanner");
      return FALSE;
    }
  self->name = g_strdup (name);
  return TRUE;
}

/* Options */

static int
find_option (SaneBackend *self,
             const char  *name)
{
  const SANE_Option_Descriptor *desc;

  for (int i = 1; (desc = sane_get_option_descriptor (self->handle, i)) != NULL; i++)
    if (desc->name != NULL && g_str_equal (desc->name, name) && desc->type != SANE_TYPE_GROUP)
      return i;
  return -1;
}

static gboolean
usable (const SANE_Option_Descriptor *desc)
{
  return desc != NULL && SANE_OPTION_IS_ACTIVE (desc->cap) && SANE_OPTION_IS_SETTABLE (desc->cap);
}

static gboolean
control (SaneBackend  *self,
         int           index,
         SANE_Action   action,
         void         *value,
         GError      **error)
{
  const SANE_Option_Descriptor *desc = sane_get_option_descriptor (self->handle, index);
  SANE_Int info = 0;
  SANE_Status status = sane_control_option (self->handle, index, action, value, &info);

  if (status != SANE_STATUS_GOOD)
    {
      g_autofree char *doing = g_strdup_printf ("%s option %s",
                                                action == SANE_ACTION_GET_VALUE ? "reading" :
                                                "setting", desc && desc->name ? desc->name : "?");

      set_status_error (error, status, self->name, doing);
      return FALSE;
    }
  return TRUE;
}

static gboolean
set_string (SaneBackend  *self,
            int           index,
            const char   *value,
            GError      **error)
{
  const SANE_Option_Descriptor *desc = sane_get_option_descriptor (self->handle, index);
  g_autofree char *buffer = NULL;

  if (strlen (value) + 1 > (gsize) desc->size)
    {
      g_autofree char *detail = g_strdup_printf ("the value of %s is longer than the scanner "
                                                 "takes (%d bytes)", desc->name, desc->size);

      catd_scan_set_error (error, CATD_SCAN_ERROR_INVALID, self->name, detail);
      return FALSE;
    }
  buffer = g_malloc0 (desc->size);
  memcpy (buffer, value, strlen (value));
  return control (self, index, SANE_ACTION_SET_VALUE, buffer, error);
}

static gboolean
set_number (SaneBackend  *self,
            int           index,
            double        value,
            GError      **error)
{
  const SANE_Option_Descriptor *desc = sane_get_option_descriptor (self->handle, index);
  SANE_Word word;

  if (desc->type == SANE_TYPE_FIXED)
    word = SANE_FIX (value);
  else if (desc->type == SANE_TYPE_INT)
    word = (SANE_Word) lround (value);
  else
    {
      g_autofree char *detail = g_strdup_printf ("option %s is not a number", desc->name);

      catd_scan_set_error (error, CATD_SCAN_ERROR_INVALID, self->name, detail);
      return FALSE;
    }
  return control (self, index, SANE_ACTION_SET_VALUE, &word, error);
}

static double
word_to_double (const SANE_Option_Descriptor *desc,
                SANE_Word                     word)
{
  return desc->type == SANE_TYPE_FIXED ? SANE_UNFIX (word) : (double) word;
}

/* The first of @names the option offers (exactly, then ignoring case),
 * else the first offered value containing one of @words. */
static const char *
pick_string (const SANE_Option_Descriptor  *desc,
             const char                   **names,
             const char                   **words,
             const char                   **avoid)
{
  const SANE_String_Const *list;

  if (desc->constraint_type != SANE_CONSTRAINT_STRING_LIST)
    return NULL;
  list = desc->constraint.string_list;

  for (guint n = 0; names[n] != NULL; n++)
    for (guint i = 0; list[i] != NULL; i++)
      if (g_str_equal (list[i], names[n]))
        return list[i];
  for (guint n = 0; names[n] != NULL; n++)
    for (guint i = 0; list[i] != NULL; i++)
      if (g_ascii_strcasecmp (list[i], names[n]) == 0)
        return list[i];
  for (guint i = 0; list[i] != NULL; i++)
    {
      g_autofree char *lower = g_ascii_strdown (list[i], -1);
      gboolean avoided = FALSE;

      for (guint a = 0; avoid != NULL && avoid[a] != NULL; a++)
        avoided |= strstr (lower, avoid[a]) != NULL;
      for (guint w = 0; !avoided && words[w] != NULL; w++)
        if (strstr (lower, words[w]) != NULL)
          return list[i];
    }
  return NULL;
}

static gboolean
set_source (SaneBackend       *self,
            CatdScanSource     source,
            GError           **error)
{
  static const char *flatbed_words[] = { "flatbed", "platen", "normal", "table", NULL };
  static const char *adf_words[] = { "adf", "feeder", NULL };
  static const char *duplex_words[] = { "duplex", NULL };
  static const char *not_simplex[] = { "duplex", "back", NULL };
  int index = find_option (self, SANE_NAME_SCAN_SOURCE);
  const SANE_Option_Descriptor *desc = index > 0 ? sane_get_option_descriptor (self->handle, index)
                                                 : NULL;
  const char *value = NULL;

  if (!usable (desc))
    {
      /* A device with one way to scan: a flatbed, unless it says otherwise. */
      if (source == CATD_SCAN_SOURCE_FLATBED)
        return TRUE;
      catd_scan_set_error (error, CATD_SCAN_ERROR_UNSUPPORTED, self->name,
                           "the scanner has no document feeder");
      return FALSE;
    }

  switch (source)
    {
    case CATD_SCAN_SOURCE_FLATBED:
      value = pick_string (desc, flatbed_names, flatbed_words, NULL);
      break;
    case CATD_SCAN_SOURCE_ADF:
      value = pick_string (desc, adf_names, adf_words, not_simplex);
      break;
    case CATD_SCAN_SOURCE_DUPLEX:
      value = pick_string (desc, duplex_names, duplex_words, NULL);
      break;
    default:
      g_assert_not_reached ();
    }

  /* Some backends (epson2, epsonds) have one feeder source and a separate
   * option for both sides. */
  if (value == NULL && source == CATD_SCAN_SOURCE_DUPLEX)
    {
      int mode = find_option (self, "adf-mode");
      int flag = find_option (self, "duplex");

      value = pick_string (desc, adf_names, adf_words, not_simplex);
      if (value != NULL && !set_string (self, index, value, error))
        return FALSE;
      if (value != NULL && mode > 0 && usable (sane_get_option_descriptor (self->handle, mode)))
        return set_string (self, mode, "Duplex", error);
      if (value != NULL && flag > 0 && usable (sane_get_option_descriptor (self->handle, flag)))
        {
          SANE_Bool on = SANE_TRUE;

          return control (self, flag, SANE_ACTION_SET_VALUE, &on, error);
        }
      value = NULL;
    }

  if (value == NULL)
    {
      catd_scan_set_error (error, CATD_SCAN_ERROR_UNSUPPORTED, self->name,
                           source == CATD_SCAN_SOURCE_FLATBED ? "the scanner has no flatbed" :
                           source == CATD_SCAN_SOURCE_ADF ? "the scanner has no document feeder" :
                           "the scanner cannot scan both sides");
      return FALSE;
    }
  return set_string (self, index, value, error);
}

static gboolean
set_mode (SaneBackend   *self,
          CatdScanMode   mode,
          GError       **error)
{
  static const char *gray_words[] = { "gray", "grey", NULL };
  static const char *color_words[] = { "color", "colour", NULL };
  static const char *deep[] = { "48", "16", NULL };
  int index = find_option (self, SANE_NAME_SCAN_MODE);
  int depth = find_option (self, SANE_NAME_BIT_DEPTH);
  const SANE_Option_Descriptor *desc = index > 0 ? sane_get_option_descriptor (self->handle, index)
                                                 : NULL;
  const char *value;

  if (usable (desc))
    {
      value = mode == CATD_SCAN_MODE_GRAY ? pick_string (desc, gray_names, gray_words, deep)
                                          : pick_string (desc, color_names, color_words, deep);
      if (value == NULL)
        {
          catd_scan_set_error (error, CATD_SCAN_ERROR_UNSUPPORTED, self->name,
                               mode == CATD_SCAN_MODE_GRAY ? "the scanner has no grey mode"
                                                           : "the scanner has no colour mode");
          return FALSE;
        }
      if (!set_string (self, index, value, error))
        return FALSE;
    }

  /* Eight bits a sample: what the stored TIFF keeps. */
  if (depth > 0 && usable (sane_get_option_descriptor (self->handle, depth)))
    {
      SANE_Int eight = 8;

      /* Best effort: a device that insists on 16 bits is read as 16. */
      control (self, depth, SANE_ACTION_SET_VALUE, &eight, NULL);
    }
  return TRUE;
}

/* The allowed value nearest @wanted. */
static double
snap (const SANE_Option_Descriptor *desc,
      double                        wanted)
{
  if (desc->constraint_type == SANE_CONSTRAINT_RANGE)
    {
      const SANE_Range *range = desc->constraint.range;
      double min = word_to_double (desc, range->min);
      double max = word_to_double (desc, range->max);
      double quant = word_to_double (desc, range->quant);
      double value = CLAMP (wanted, min, max);

      if (quant > 0)
        value = MIN (max, min + round ((value - min) / quant) * quant);
      return value;
    }

  if (desc->constraint_type == SANE_CONSTRAINT_WORD_LIST)
    {
      const SANE_Word *list = desc->constraint.word_list;
      double best = wanted, best_distance = INFINITY;

      for (int i = 1; i <= list[0]; i++)
        {
          double value = word_to_double (desc, list[i]);

          if (fabs (value - wanted) < best_distance)
            {
              best = value;
              best_distance = fabs (value - wanted);
            }
        }
      return best;
    }
  return wanted;
}

static gboolean
set_resolution (SaneBackend  *self,
                double        dpi,
                GError      **error)
{
  int index = find_option (self, SANE_NAME_SCAN_RESOLUTION);
  const SANE_Option_Descriptor *desc;

  if (index < 0)
    index = find_option (self, SANE_NAME_SCAN_X_RESOLUTION);
  desc = index > 0 ? sane_get_option_descriptor (self->handle, index) : NULL;
  if (!usable (desc))
    return TRUE;
  return set_number (self, index, snap (desc, dpi), error);
}

static double
read_resolution (SaneBackend *self)
{
  int index = find_option (self, SANE_NAME_SCAN_RESOLUTION);
  const SANE_Option_Descriptor *desc;
  SANE_Word word = 0;

  if (index < 0)
    index = find_option (self, SANE_NAME_SCAN_X_RESOLUTION);
  desc = index > 0 ? sane_get_option_descriptor (self->handle, index) : NULL;
  if (desc == NULL || (desc->type != SANE_TYPE_INT && desc->type != SANE_TYPE_FIXED) ||
      !control (self, index, SANE_ACTION_GET_VALUE, &word, NULL))
    return 0;
  return word_to_double (desc, word);
}

/* Sets one edge of the scan area, in millimetres (or pixels, for the
 * backends that count in pixels), within what the device allows. */
static gboolean
set_length (SaneBackend  *self,
            const char   *name,
            double        mm,
            gboolean      from_min,
            double        dpi,
            GError      **error)
{
  int index = find_option (self, name);
  const SANE_Option_Descriptor *desc;
  double value = mm;

  desc = index > 0 ? sane_get_option_descriptor (self->handle, index) : NULL;
  if (!usable (desc))
    return TRUE;
  if (desc->unit == SANE_UNIT_PIXEL && dpi > 0)
    value = mm / 25.4 * dpi;
  if (desc->constraint_type == SANE_CONSTRAINT_RANGE)
    {
      double min = word_to_double (desc, desc->constraint.range->min);
      double max = word_to_double (desc, desc->constraint.range->max);

      value = from_min ? min : CLAMP (min + value, min, max);
    }
  return set_number (self, index, value, error);
}

static gboolean
set_page_size (SaneBackend   *self,
               CatdPageSize   size,
               double         dpi,
               GError       **error)
{
  double width, height;

  catd_page_size_get_mm (size, &width, &height);
  /* Sheet-fed backends size the paper first, then the area on it. */
  return set_length (self, SANE_NAME_PAGE_WIDTH, width, FALSE, dpi, error) &&
         set_length (self, SANE_NAME_PAGE_HEIGHT, height, FALSE, dpi, error) &&
         set_length (self, SANE_NAME_SCAN_TL_X, 0, TRUE, dpi, error) &&
         set_length (self, SANE_NAME_SCAN_TL_Y, 0, TRUE, dpi, error) &&
         set_length (self, SANE_NAME_SCAN_BR_X, width, FALSE, dpi, error) &&
         set_length (self, SANE_NAME_SCAN_BR_Y, height, FALSE, dpi, error);
}

/* One "NAME=VALUE" of the caller's, typed by the option it names. */
static gboolean
set_user_option (SaneBackend  *self,
                 const char   *text,
                 GError      **error)
{
  g_auto(GStrv) parts = g_strsplit (text, "=", 2);
  g_autofree char *detail = NULL;
  const SANE_Option_Descriptor *desc;
  int index;

  if (parts[0] == NULL || parts[1] == NULL || parts[0][0] == '\0')
    {
      detail = g_strdup_printf ("option %s is not NAME=VALUE", text);
      catd_scan_set_error (error, CATD_SCAN_ERROR_INVALID, self->name, detail);
      return FALSE;
    }
  if ((index = find_option (self, parts[0])) < 0)
    {
      detail = g_strdup_printf ("the scanner has no option %s", parts[0]);
      catd_scan_set_error (error, CATD_SCAN_ERROR_INVALID, self->name, detail);
      return FALSE;
    }
  desc = sane_get_option_descriptor (self->handle, index);
  if (!usable (desc))
    {
      detail = g_strdup_printf ("option %s cannot be set now", parts[0]);
      catd_scan_set_error (error, CATD_SCAN_ERROR_INVALID, self->name, detail);
      return FALSE;
    }

  switch (desc->type)
    {
    case SANE_TYPE_BOOL:
      {
        SANE_Bool value;

        if (g_strv_contains ((const char *[]) { "yes", "true", "on", "1", NULL }, parts[1]))
          value = SANE_TRUE;
        else if (g_strv_contains ((const char *[]) { "no", "false", "off", "0", NULL }, parts[1]))
          value = SANE_FALSE;
        else
          break;
        return control (self, index, SANE_ACTION_SET_VALUE, &value, error);
      }
    case SANE_TYPE_INT:
    case SANE_TYPE_FIXED:
      {
        char *end = NULL;
        double value = g_ascii_strtod (parts[1], &end);

        if (end == parts[1] || *end != '\0' || desc->size != sizeof (SANE_Word))
          break;
        return set_number (self, index, value, error);
      }
    case SANE_TYPE_STRING:
      return set_string (self, index, parts[1], error);
    case SANE_TYPE_BUTTON:
      return control (self, index, SANE_ACTION_SET_VALUE, NULL, error);
    case SANE_TYPE_GROUP:
    default:
      break;
    }

  detail = g_strdup_printf ("option %s does not take the value %s", parts[0], parts[1]);
  catd_scan_set_error (error, CATD_SCAN_ERROR_INVALID, self->name, detail);
  return FALSE;
}

static gboolean
sane_backend_configure (CatdScanBackend         *backend,
                        const CatdScanSettings  *settings,
                        double                  *actual_dpi,
                        GError                 **error)
{
  SaneBackend *self = (SaneBackend *) backend;

  g_return_val_if_fail (self->handle != NULL, FALSE);

  /* Source first: on many devices it changes what the others allow. */
  if (!set_source (self, settings->source, error) ||
      !set_mode (self, settings->mode, error) ||
      !set_resolution (self, settings->dpi, error) ||
      !set_page_size (self, settings->page_size, read_resolution (self), error))
    return FALSE;
  for (guint i = 0; settings->options != NULL && settings->options[i] != NULL; i++)
    if (!set_user_option (self, settings->options[i], error))
      return FALSE;

  *actual_dpi = read_resolution (self);
  return TRUE;
}

/* Acquisition */

typedef struct
{
  SANE_Parameters  params;
  GByteArray      *data;
} Frame;

/* Reads one frame whole. */
static gboolean
read_frame (SaneBackend           *self,
            Frame                 *frame,
            double                 done_before,
            double                 share,
            CatdScanProgressFunc   progress,
            gpointer               progress_data,
            GCancellable          *cancellable,
            GError               **error)
{
  gsize expected = frame->params.lines > 0
                   ? (gsize) frame->params.bytes_per_line * frame->params.lines : 0;
  gsize chunk = 256 * 1024;

  frame->data = g_byte_array_sized_new (expected > 0 ? expected : 4 * chunk);

  for (;;)
    {
      SANE_Int got = 0;
      SANE_Status status;
      gsize have = frame->data->len;
      gsize want = expected > have ? MIN (chunk, expected - have) : chunk;

      if (g_cancellable_is_cancelled (cancellable))
        {
          catd_scan_set_error (error, CATD_SCAN_ERROR_CANCELLED, self->name, NULL);
          return FALSE;
        }

      g_byte_array_set_size (frame->data, have + want);
      status = sane_read (self->handle, frame->data->data + have, want, &got);
      g_byte_array_set_size (frame->data, have + (status == SANE_STATUS_GOOD ? got : 0));

      if (status == SANE_STATUS_EOF)
        break;
      if (status != SANE_STATUS_GOOD)
        {
          set_status_error (error, status, self->name, "reading the page");
          return FALSE;
        }
      if (expected > 0)
        progress (done_before + share * MIN (1.0, (double) frame->data->len / expected),
                  progress_data);
      else
        progress (-1, progress_data);
    }

  if (frame->params.bytes_per_line <= 0 ||
      frame->data->len < (expected > 0 ? expected : (gsize) frame->params.bytes_per_line))
    {
      catd_scan_set_error (error, CATD_SCAN_ERROR_FAILED, self->name,
                           "the page ended before it was complete");
      return FALSE;
    }
  return TRUE;
}

/* One sample of a row as eight bits. */
static inline guint8
sample (const guint8 *row,
        guint         index,
        int           depth)
{
  switch (depth)
    {
    case 1:
      /* In SANE's line art a set bit is black. */
      return (row[index / 8] & (0x80 >> (index % 8))) ? 0 : 255;
    case 16:
      return ((const guint16 *) row)[index] >> 8;
    case 8:
    default:
      return row[index];
    }
}

static CatdScanPage *
assemble (GPtrArray  *frames,
          const char *device,
          GError    **error)
{
  Frame *first = g_ptr_array_index (frames, 0);
  int depth = first->params.depth;
  guint width = first->params.pixels_per_line;
  guint channels = first->params.format == SANE_FRAME_GRAY ? 1 : 3;
  gsize bpl = first->params.bytes_per_line;
  guint height = first->data->len / bpl;
  gsize stride = (gsize) width * channels;
  g_autoptr(GBytes) pixels = NULL;
  guint8 *out;

  if ((depth != 1 && depth != 8 && depth != 16) || width == 0 || height == 0 ||
      (frames->len > 1 && frames->len != 3))
    {
      g_autofree char *detail = g_strdup_printf ("the scanner sent a page this program cannot read "
                                                 "(%d bits a sample, %u frames)", depth,
                                                 frames->len);

      catd_scan_set_error (error, CATD_SCAN_ERROR_FAILED, device, detail);
      return NULL;
    }

  /* The common case needs no copy: eight-bit rows with no padding. */
  if (depth == 8 && frames->len == 1 && bpl == stride)
    {
      g_byte_array_set_size (first->data, (gsize) height * stride);
      pixels = g_byte_array_free_to_bytes (g_steal_pointer (&first->data));
      return catd_scan_page_new (width, height, channels, stride, pixels);
    }

  out = g_malloc ((gsize) height * stride);
  for (guint f = 0; f < frames->len; f++)
    {
      Frame *frame = g_ptr_array_index (frames, f);
      /* Three-pass devices send red, green and blue frames in any order. */
      guint channel = frame->params.format == SANE_FRAME_GREEN ? 1 :
                      frame->params.format == SANE_FRAME_BLUE ? 2 : 0;
      guint rows = MIN (height, frame->data->len / (gsize) frame->params.bytes_per_line);

      for (guint y = 0; y < rows; y++)
        {
          const guint8 *row = frame->data->data + (gsize) y * frame->params.bytes_per_line;
          guint8 *dest = out + (gsize) y * stride;

          if (frames->len == 3)
            for (guint x = 0; x < width; x++)
              dest[3 * x + channel] = sample (row, x, depth);
          else
            for (guint x = 0; x < width * channels; x++)
              dest[x] = sample (row, x, depth);
        }
    }
  pixels = g_bytes_new_take (out, (gsize) height * stride);
  return catd_scan_page_new (width, height, channels, stride, pixels);
}

static void
frame_free (Frame *frame)
{
  if (frame->data)
    g_byte_array_unref (frame->data);
  g_free (frame);
}

static CatdScanPage *
sane_backend_acquire (CatdScanBackend       *backend,
                      CatdScanProgressFunc   progress,
                      gpointer               progress_data,
                      GCancellable          *cancellable,
                      GError               **error)
{
  SaneBackend *self = (SaneBackend *) backend;
  g_autoptr(GPtrArray) frames = g_ptr_array_new_with_free_func ((GDestroyNotify) frame_free);

  g_return_val_if_fail (self->handle != NULL, NULL);

  for (;;)
    {
      Frame *frame = g_new0 (Frame, 1);
      SANE_Status status;
      guint n_frames;

      g_ptr_array_add (frames, frame);
      status = sane_start (self->handle);
      if (status != SANE_STATUS_GOOD)
        {
          set_status_error (error, status, self->name, "starting the scan");
          return NULL;
        }
      status = sane_get_parameters (self->handle, &frame->params);
      if (status != SANE_STATUS_GOOD)
        {
          set_status_error (error, status, self->name, "reading the page's size");
          return NULL;
        }

      n_frames = frame->params.format == SANE_FRAME_GRAY || frame->params.format == SANE_FRAME_RGB
                 ? 1 : 3;
      if (!read_frame (self, frame, (double) (frames->len - 1) / n_frames, 1.0 / n_frames,
                       progress, progress_data, cancellable, error))
        return NULL;
      if (frame->params.last_frame)
        break;
      if (frames->len >= 3)
        {
          catd_scan_set_error (error, CATD_SCAN_ERROR_FAILED, self->name,
                               "the scanner sent more frames than a page has");
          return NULL;
        }
    }

  progress (1.0, progress_data);
  return assemble (frames, self->name, error);
}

static void
sane_backend_end_job (CatdScanBackend *backend)
{
  SaneBackend *self = (SaneBackend *) backend;

  if (self->handle != NULL)
    sane_cancel (self->handle);
}

/**
 * catd_scan_backend_sane_direct_new:
 *
 * SANE, called in this process: what the catd-scand helper runs. SANE
 * itself is started on first use, on the thread that makes every call.
 */
CatdScanBackend *
catd_scan_backend_sane_direct_new (void)
{
  SaneBackend *self = g_new0 (SaneBackend, 1);

  self->parent.free = sane_backend_free;
  self->parent.list_devices = sane_backend_list_devices;
  self->parent.open = sane_backend_open;
  self->parent.close = sane_backend_close;
  self->parent.configure = sane_backend_configure;
  self->parent.acquire = sane_backend_acquire;
  self->parent.end_job = sane_backend_end_job;
  return &self->parent;
}
