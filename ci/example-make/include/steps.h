/* How many header bytes the classifier folds into its per-packet hash. */
#define HASH_STEPS 4
