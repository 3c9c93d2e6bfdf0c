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
