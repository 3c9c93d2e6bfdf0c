"""The devices' typed errors (codes and message keys in the web catalogs)."""

from __future__ import annotations

from typed_errors import TypedError


class DeviceError(TypedError):
    code = "device_error"
    message_key = "errors.devices.device_error"


class UnknownDevice(DeviceError):
    code = "unknown_device"
    message_key = "errors.devices.unknown_device"


class EnrollmentFailed(DeviceError):
    """Unknown, used or expired code: one answer for all three."""

    code = "enrollment_failed"
    message_key = "errors.devices.enrollment_failed"


class DeviceRevoked(DeviceError):
    code = "device_revoked"
    message_key = "errors.devices.device_revoked"


class UnknownAlert(DeviceError):
    code = "unknown_alert"
    message_key = "errors.devices.unknown_alert"


class TooManyEnrollmentAttempts(DeviceError):
    """Enrollment codes are short: attempts are limited per client address."""

    code = "too_many_enrollment_attempts"
    message_key = "errors.devices.too_many_enrollment_attempts"


class InvalidDeviceKey(DeviceError):
    """The public key sent at enrollment is not a P-256 point."""

    code = "invalid_device_key"
    message_key = "errors.devices.invalid_device_key"


class ProofRequired(DeviceError):
    """A device's credential came without a proof of its key (a copied string), or the
    credential has no key (enrolled before device keys)."""

    code = "proof_required"
    message_key = "errors.devices.proof_required"


class ProofInvalid(DeviceError):
    """A proof not signed by the device's key, for another call, not made now, or used
    before."""

    code = "proof_invalid"
    message_key = "errors.devices.proof_invalid"


class InvalidDevice(DeviceError):
    """A new device or name outside what a device may be: a booth without its centre, an
    office terminal given one, a label not of a-z 0-9 and hyphens."""

    code = "invalid_device"
    message_key = "errors.devices.invalid_device"


class UnknownDeviceCentre(DeviceError):
    """A booth added to a centre that does not exist."""

    code = "unknown_centre"
    message_key = "errors.devices.unknown_centre"


class DuplicateDevice(DeviceError):
    code = "duplicate_device"
    message_key = "errors.devices.duplicate_device"


class DeviceNameInUse(DeviceError):
    """A rename of a device whose name its credential, history or bookings already hold."""

    code = "device_name_in_use"
    message_key = "errors.devices.device_name_in_use"


class DirectoryError(DeviceError):
    """The key directory (devices.directory): a change it cannot take."""

    code = "directory_error"
    message_key = "errors.devices.directory_error"


class UnknownDirectoryKey(DirectoryError):
    code = "unknown_directory_key"
    message_key = "errors.devices.unknown_directory_key"


class DirectoryKeyExists(DirectoryError):
    """A browser's directory key registered twice."""

    code = "directory_key_exists"
    message_key = "errors.devices.directory_key_exists"


class DirectoryKeyNotTrusted(DirectoryError):
    """An endorsement made with a directory key no trusted key has endorsed yet."""

    code = "directory_key_not_trusted"
    message_key = "errors.devices.directory_key_not_trusted"


class DirectoryKeyTrustedAlready(DirectoryError):
    """An endorsement of the root or of a key endorsed already: the first endorsement stands."""

    code = "directory_key_trusted_already"
    message_key = "errors.devices.directory_key_trusted_already"


class EndorsementInvalid(DirectoryError):
    """An endorsement whose signature the endorsing key does not verify over what it names."""

    code = "endorsement_invalid"
    message_key = "errors.devices.endorsement_invalid"


class DeviceHasNoKey(DirectoryError):
    """An endorsement of a device that holds no live, keyed enrollment."""

    code = "device_has_no_key"
    message_key = "errors.devices.device_has_no_key"
