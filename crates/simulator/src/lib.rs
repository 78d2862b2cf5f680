//! A realistic multi-agency trafficking world written as feed files, profiles and ground truth.
